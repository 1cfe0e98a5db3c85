import t from 'tap';
import { shouldRunTask } from '../../../engine/runner/tags.js';

const f = (tags: string[] = [], skipTags: string[] = []) => ({ tags, skipTags });

t.test("Ansible's tag selection", async (t) => {
  t.equal(shouldRunTask([], f()), true, 'no selection runs untagged tasks');
  t.equal(shouldRunTask(['nic'], f()), true);
  t.equal(shouldRunTask(['never'], f()), false, "'never' only on request");
  t.equal(shouldRunTask(['never', 'eject'], f(['eject'])), true);
  t.equal(shouldRunTask(['nic'], f(['disk'])), false);
  t.equal(shouldRunTask(['always'], f(['disk'])), true, "'always' runs with any --tags");
  t.equal(shouldRunTask(['always'], f(['disk'], ['always'])), false, 'unless --skip-tags always');
  t.equal(shouldRunTask(['nic', 'disk'], f([], ['disk'])), false, '--skip-tags wins');
  t.equal(shouldRunTask([], f(['untagged'])), true);
  t.equal(shouldRunTask(['x'], f(['untagged'])), false);
  t.equal(shouldRunTask(['x'], f(['tagged'])), true);
  t.equal(shouldRunTask([], f(['all'])), true);
});
