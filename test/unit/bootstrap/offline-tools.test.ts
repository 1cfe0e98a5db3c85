/**
 * The offline conversion's tool check on a host that lacks them: the error names every missing
 * tool and its Debian package, and says nothing was changed. Run through the real script on this
 * machine, with a PATH that holds only what the script itself needs.
 */
import t from 'tap';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocal } from '../../../engine/connection/local.js';
import { checkOfflineTools } from '../../../modules/bootstrap/offline/offline-strategy.js';

t.test('missing tools are named with their Debian packages', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'vp-bin-'));
  for (const tool of ['bash', 'mktemp', 'rm']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const path = process.env.PATH;
  process.env.PATH = bin;
  t.teardown(() => {
    process.env.PATH = path;
    rmSync(bin, { recursive: true, force: true });
  });
  const conn = openLocal('localhost');
  await t.rejects(checkOfflineTools({ conn }, 'win05'), {
    message:
      /the host lacks guestfish, hivexget, hivexregedit, qemu-img for the offline conversion: install the Debian packages libguestfs-tools libhivex-bin libwin-hivex-perl qemu-utils .*Nothing was changed/,
  });
  process.env.PATH = path;
  // This machine has them all (the lab installs them): no error.
  await t.resolves(checkOfflineTools({ conn }, 'win05'));
});
