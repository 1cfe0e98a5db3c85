/** Commands over one real SSH connection: results, stdin, channel bounds, lost connections, timeouts. */
import t from 'tap';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd } from '../../helpers/sshd.js';
import { createSsh, openSsh } from '../../../engine/connection/ssh.js';
import type { SshOptions } from '../../../engine/connection/ssh.js';
import { CommandTimeoutError } from '../../../engine/connection/errors.js';
import { UnreachableError } from '../../../engine/errors.js';
import { shq } from '../../../engine/shell.js';

const sshd = await startSshd({ maxSessions: 10, unprivilegedUser: 'virtplay-sshtest' });
t.teardown(() => sshd.stop());
const knownHosts = join(sshd.dir, 'known_hosts');
writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
const base: SshOptions = {
  host: 'lab1',
  address: sshd.address,
  port: sshd.port,
  user: sshd.user,
  privateKeyFiles: [sshd.clientKey],
  agent: false,
  knownHostsFiles: [knownHosts],
};

/** Processes on this machine whose command line contains marker (the sshd runs here). */
function processesWith(marker: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker)) n++;
    } catch {
      // gone
    }
  }
  return n;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

t.test('exec returns stdout, stderr, exit codes and signals as UTF-8', async (t) => {
  const c = await openSsh(base);
  t.teardown(() => c.close());
  t.same(await c.exec('echo out; echo err >&2; exit 3'), { stdout: 'out\n', stderr: 'err\n', code: 3 });
  t.same(await c.exec(`printf %s ${shq('ünï — 日本')}`), { stdout: 'ünï — 日本', stderr: '', code: 0 });
  const killed = await c.exec('kill -TERM $$');
  t.equal(killed.code, null);
  t.equal(killed.signal, 'SIGTERM');
  t.same(c.stats, { connections: 1, commands: 3, reconnects: 0 });
});

t.test('lazy connections connect on the first exec', async (t) => {
  const before = sshd.logins();
  const c = createSsh(base);
  t.teardown(() => c.close());
  t.equal(c.stats.connections, 0);
  t.equal(sshd.logins(), before, 'nothing connected yet');
  t.equal((await c.exec('echo hi')).stdout, 'hi\n');
  t.equal(c.stats.connections, 1);
});

t.test('1 MB of XML on stdin arrives intact', async (t) => {
  const c = await openSsh(base);
  t.teardown(() => c.close());
  const disks = Array.from(
    { length: 6000 },
    (_, i) => `    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/g${i}.qcow2'/><target dev='vd${i}' bus='virtio'/></disk>\n`,
  );
  let xml = `<domain type='kvm'>\n  <name>big &amp; "quoted" ünï</name>\n  <devices>\n${disks.join('')}  </devices>\n</domain>\n`;
  xml += '<!-- padding -->\n'.repeat(Math.max(0, Math.ceil(((1 << 20) - Buffer.byteLength(xml)) / 17)));
  t.ok(Buffer.byteLength(xml) >= 1 << 20, 'at least 1 MiB');
  const r = await c.exec('sha256sum', { stdin: xml });
  t.equal(r.stdout.split(' ')[0], createHash('sha256').update(xml).digest('hex'));
  t.equal(Number((await c.exec('wc -c', { stdin: xml })).stdout.trim()), Buffer.byteLength(xml));
  t.equal((await c.exec('exit 0', { stdin: xml })).code, 0, 'a command that ignores stdin still completes');
});

t.test('25 concurrent execs share ONE connection, at most maxSessions channels at a time', async (t) => {
  const loginsBefore = sshd.logins();
  const c = await openSsh(base);
  t.teardown(() => c.close());
  const results = await Promise.all(Array.from({ length: 25 }, (_, i) => c.exec(`sleep 0.1; echo ${i}`)));
  t.same(
    results.map((r) => r.stdout),
    Array.from({ length: 25 }, (_, i) => `${i}\n`),
  );
  t.ok(results.every((r) => r.code === 0));
  t.equal(c.stats.connections, 1, 'one connection (client stats)');
  t.equal(c.stats.commands, 25);
  t.equal(sshd.logins() - loginsBefore, 1, 'one login (sshd log)');

  // With maxSessions 3, the server never sees more than 3 commands at once.
  const running = join(sshd.userDir, 'running');
  mkdirSync(running);
  chmodSync(running, 0o777);
  const c3 = await openSsh({ ...base, maxSessions: 3 });
  t.teardown(() => c3.close());
  const peak = await Promise.all(Array.from({ length: 12 }, (_, i) => c3.exec(`touch ${running}/${i}; ls ${running} | wc -l; sleep 0.15; rm ${running}/${i}`)));
  const max = Math.max(...peak.map((r) => Number(r.stdout.trim())));
  t.ok(max <= 3, `peak concurrency ${max} <= 3`);
  t.ok(max >= 2, `commands did run in parallel (peak ${max})`);
});

t.test('a connection killed mid-command fails with UnreachableError, and the next exec reconnects', async (t) => {
  const c = await openSsh(base);
  t.teardown(() => c.close());
  const running = c.exec('sleep 60; echo never');
  await new Promise((r) => setTimeout(r, 300));
  t.ok(sshd.killSessions() > 0, 'killed the sshd session process');
  const start = Date.now();
  await t.rejects(running, { name: 'UnreachableError', message: /^lab1: connection lost while running a command/ });
  t.ok(Date.now() - start < 2000, 'no hang');
  t.equal((await c.exec('echo back')).stdout, 'back\n');
  t.same(c.stats, { connections: 2, commands: 2, reconnects: 1 });
});

t.test('a connection dropped while idle is reopened once by the next exec', async (t) => {
  const c = await openSsh(base);
  t.teardown(() => c.close());
  t.equal((await c.exec('echo 1')).stdout, '1\n');
  sshd.killSessions();
  await waitFor(() => false, 300);
  t.equal((await c.exec('echo 2')).stdout, '2\n');
  t.equal(c.stats.connections, 2);
  t.equal(c.stats.reconnects, 1);
});

t.test('a server that stops answering is detected by keepalives', async (t) => {
  const c = await openSsh({ ...base, keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
  t.teardown(async () => {
    sshd.killSessions(); // SIGKILL works on stopped processes, and takes the command with them
    await c.close();
  });
  const running = c.exec('sleep 60');
  await new Promise((r) => setTimeout(r, 300));
  t.ok(sshd.killSessions('SIGSTOP') > 0, 'froze the session');
  const start = Date.now();
  await t.rejects(running, { message: /connection lost while running a command \(127\.0\.0\.1:\d+ stopped answering keepalives\)/ });
  const took = Date.now() - start;
  t.ok(took < 3000, `detected after ${took} ms`);
});

t.test('command timeout: rejects fast, kills the remote command, the connection goes on', async (t) => {
  const c = await openSsh({ ...base, commandTimeoutMs: 500 });
  t.teardown(() => c.close());
  const marker = `sleep 77.${process.pid}`;
  const start = Date.now();
  const err = await c.exec(marker).catch((e: unknown) => e);
  t.type(err, CommandTimeoutError);
  t.type(err, UnreachableError);
  t.equal((err as Error).message, 'lab1: a command did not finish within 0.5 s; it was killed');
  t.ok(Date.now() - start < 1500);
  t.ok(await waitFor(() => processesWith(marker) === 0, 3000), 'the remote sleep is gone');
  t.equal((await c.exec('echo alive', { timeoutMs: 5000 })).stdout, 'alive\n');
  t.equal(c.stats.connections, 1);
});

t.test('after close, exec is refused', async (t) => {
  const c = await openSsh(base);
  await c.close();
  await t.rejects(c.exec('true'), UnreachableError);
});
