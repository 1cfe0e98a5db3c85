import t from 'tap';
import { createReporter } from '../../../engine/report/create.js';
import { JsonReporter } from '../../../engine/report/json.js';
import { ListrReporter } from '../../../engine/report/listr.js';
import { PlainReporter } from '../../../engine/report/plain.js';
import { StringStream } from './events.js';

const base = { verbosity: 0, diff: false, check: false };

t.test('--json, a terminal, anything else', async (t) => {
  const out = new StringStream();
  t.type(await createReporter({ ...base, out, json: true, tty: true }), JsonReporter);
  t.type(await createReporter({ ...base, out, json: false, tty: true, env: {} }), ListrReporter);
  t.type(await createReporter({ ...base, out, json: false, tty: false, env: {} }), PlainReporter);
});

async function warningFrom(tty: boolean, env: NodeJS.ProcessEnv, color?: boolean): Promise<string> {
  const out = new StringStream();
  // A warning outside any task is written at once by every human reporter.
  (await createReporter({ ...base, out, json: false, tty, env, ...(color === undefined ? {} : { color }) })).warning('w');
  return out.text;
}

t.test('color only on a terminal without NO_COLOR, forced by FORCE_COLOR', async (t) => {
  const colored = '\x1b[95m[WARNING]: w\x1b[39m\n';
  t.equal(await warningFrom(true, {}), colored);
  t.equal(await warningFrom(false, {}), '[WARNING]: w\n');
  t.equal(await warningFrom(true, { NO_COLOR: '1' }), '[WARNING]: w\n');
  t.equal(await warningFrom(false, { FORCE_COLOR: '1' }), colored);
  t.equal(await warningFrom(true, { FORCE_COLOR: '0' }), '[WARNING]: w\n');
  t.equal(await warningFrom(true, {}, false), '[WARNING]: w\n', 'an explicit color choice wins');
});

t.test('under --json the document goes to jsonOut and human lines to out', async (t) => {
  const out = new StringStream();
  const jsonOut = new StringStream();
  const r = await createReporter({ ...base, out, jsonOut, json: true, tty: false, env: { FORCE_COLOR: '1' } });
  r.warning('careful');
  await r.finish({
    stats: { a: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } },
    exitCode: 0,
    durationMs: 5,
    transport: {},
  });
  t.equal(out.text, '[WARNING]: careful\n', 'no color in human lines under --json');
  t.match(JSON.parse(jsonOut.text), { stats: { a: { ok: 1, failures: 0 } }, virtplay: { exit_code: 0 } });
});
