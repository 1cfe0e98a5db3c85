import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { openConnection } from '../../../engine/connection/open.js';
import { openLocal } from '../../../engine/connection/local.js';
import { CommandTimeoutError } from '../../../engine/connection/errors.js';
import { UnreachableError } from '../../../engine/errors.js';

t.test('runs /bin/sh -c with stdout, stderr and exit codes', async (t) => {
  const c = openLocal('here');
  t.same(await c.exec('echo out; echo err >&2; exit 7'), { stdout: 'out\n', stderr: 'err\n', code: 7 });
  const killed = await c.exec('kill -TERM $$');
  t.equal(killed.code, null);
  t.equal(killed.signal, 'SIGTERM');
  t.same(c.stats, { connections: 0, commands: 2 });
});

t.test('stdin arrives intact (1 MB)', async (t) => {
  const c = openLocal('here');
  const data = randomBytes(1 << 20).toString('base64');
  const r = await c.exec('sha256sum', { stdin: data });
  t.equal(r.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'));
  t.equal((await c.exec('true', { stdin: data })).code, 0, 'a command that does not read stdin');
});

t.test('timeout kills the command and its children', async (t) => {
  const c = openLocal('here', { commandTimeoutMs: 300 });
  const start = Date.now();
  const marker = `${30 + (process.pid % 1000) / 1000}`;
  await t.rejects(c.exec(`sleep ${marker} & sleep ${marker}; wait`), CommandTimeoutError);
  t.ok(Date.now() - start < 2000);
  await new Promise((r) => setTimeout(r, 100));
  const left = readdirSync('/proc').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${marker}\0`;
    } catch {
      return false;
    }
  });
  t.same(left, [], 'the command and its background child are gone');
  await t.rejects(c.exec('sleep 5', { timeoutMs: 100 }), { message: /here: a command did not finish within 0.1 s/ });
  t.equal((await c.exec('echo fine', { timeoutMs: 5000 })).stdout, 'fine\n');
  await c.close();
  await t.rejects(c.exec('true'), UnreachableError);
});

t.test('openConnection picks local for ansible_connection=local and the implicit localhost', async (t) => {
  const a = await openConnection('localhost', {});
  t.equal((await a.exec('echo $((1+1))')).stdout, '2\n');
  const b = await openConnection('ctl', { ansible_connection: 'local' });
  t.equal(b.host, 'ctl');
  t.equal(b.stats.connections, 0);
});
