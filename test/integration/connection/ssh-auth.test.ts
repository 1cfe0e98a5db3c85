/** Reaching and logging in to a real sshd: refused ports, timeouts, agent, key files, passphrases. */
import t from 'tap';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { startSshd } from '../../helpers/sshd.js';
import { createSsh, openSsh } from '../../../engine/connection/ssh.js';
import type { SshOptions } from '../../../engine/connection/ssh.js';
import { openConnection } from '../../../engine/connection/open.js';
import { UnreachableError } from '../../../engine/errors.js';

const sshd = await startSshd();
t.teardown(() => sshd.stop());
const kh = join(sshd.dir, 'known_hosts');
writeFileSync(kh, `${sshd.knownHostsLine()}\n`);
const base: SshOptions = {
  host: 'kvm1',
  address: sshd.address,
  port: sshd.port,
  user: sshd.user,
  privateKeyFiles: [sshd.clientKey],
  agent: false,
  knownHostsFiles: [kh],
};

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  );
  return err;
}

t.test('a refused port is UnreachableError, quickly', async (t) => {
  const free = createServer();
  await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
  const port = (free.address() as { port: number }).port;
  await new Promise((r) => free.close(r));
  const start = Date.now();
  const err = await failure(openSsh({ ...base, port }));
  t.type(err, UnreachableError);
  t.equal(err.message, `kvm1: connection refused at 127.0.0.1:${port}`);
  t.ok(Date.now() - start < 1000, `${Date.now() - start} ms`);
});

t.test('a server that never speaks SSH times out with the connect timeout', async (t) => {
  const sockets: Socket[] = [];
  const mute = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    mute.close();
  });
  const port = (mute.address() as { port: number }).port;
  const start = Date.now();
  const err = await failure(openSsh({ ...base, port, connectTimeoutMs: 400 }));
  t.type(err, UnreachableError);
  t.match(err.message, `connection to 127.0.0.1:${port} timed out after 0.4 s`);
  t.ok(Date.now() - start < 2000);
});

t.test('25 execs on a lazy connection to a dead host fail together, with one attempt', async (t) => {
  const c = createSsh({ ...base, port: 1 });
  const results = await Promise.allSettled(Array.from({ length: 25 }, () => c.exec('true')));
  t.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof UnreachableError));
  t.same(c.stats, { connections: 0, commands: 0, reconnects: 0 });
});

t.test('authentication failure names the user and what was tried', async (t) => {
  const stranger = sshd.makeClientKey('stranger', '', false);
  const err = await failure(openSsh({ ...base, privateKeyFiles: [stranger, join(sshd.dir, 'missing_key')] }));
  t.type(err, UnreachableError);
  t.equal(err.message, `kvm1: authentication failed for user '${sshd.user}' (tried: ${stranger}; skipped: ${join(sshd.dir, 'missing_key')} (no such file))`);
  const none = await failure(openSsh({ ...base, privateKeyFiles: [] }));
  t.match(none.message, /authentication failed for user 'root' \(no agent \(SSH_AUTH_SOCK unset\) and no key file\)/);
});

t.test('keys from a real ssh-agent', async (t) => {
  const agentKey = sshd.makeClientKey('agent_key', '');
  const sock = join(sshd.dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  t.teardown(() => {
    agent.kill();
  });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  const env = { ...process.env, SSH_AUTH_SOCK: sock };
  // An empty agent first: the failure says so.
  const empty = await failure(openSsh({ ...base, agent: sock, privateKeyFiles: [] }));
  t.match(empty.message, /tried: agent/);
  execFileSync('ssh-add', [agentKey], { env, stdio: 'ignore' });
  const c = await openSsh({ ...base, agent: sock, privateKeyFiles: [] });
  t.equal((await c.exec('echo via-agent')).stdout, 'via-agent\n');
  await c.close();
  // The agent's key first, then a key file the server does not know: still in.
  const stranger = sshd.makeClientKey('stranger2', '', false);
  const d = await openSsh({ ...base, agent: sock, privateKeyFiles: [stranger] });
  await d.close();
  // A dangling SSH_AUTH_SOCK is skipped, the key file is used.
  const e = await openSsh({ ...base, agent: join(sshd.dir, 'nope.sock') });
  t.equal((await e.exec('echo file')).stdout, 'file\n');
  await e.close();
});

t.test('encrypted keys: the passphrase decrypts them and never appears in any message', async (t) => {
  const secret = 'Tr0ub4dor-&-3-virtplay';
  const locked = sshd.makeClientKey('locked', secret);
  const c = await openSsh({ ...base, privateKeyFiles: [locked], passphrase: secret });
  t.equal((await c.exec('echo unlocked')).stdout, 'unlocked\n');
  for (const shown of [inspect(c, { depth: 10, showHidden: true }), JSON.stringify(c), String(c)]) {
    t.notMatch(shown, secret, 'not in the connection object');
  }
  await c.close();

  const wrong = await failure(openSsh({ ...base, privateKeyFiles: [locked], passphrase: 'not-it' }));
  t.match(wrong.message, `${locked} (the passphrase given does not decrypt it)`);
  t.notMatch(wrong.message, 'not-it');

  const missing = await failure(openSsh({ ...base, privateKeyFiles: [locked] }));
  t.match(missing.message, `${locked} (encrypted, no passphrase given)`);

  const strangerLocked = sshd.makeClientKey('stranger_locked', secret, false);
  const refused = await failure(openSsh({ ...base, privateKeyFiles: [strangerLocked], passphrase: secret }));
  t.match(refused.message, `tried: ${strangerLocked}`);
  for (const err of [wrong, missing, refused]) {
    t.notMatch(err.message, secret);
    t.notMatch(String(err.stack), secret);
    t.notMatch(inspect(err, { depth: 10, showHidden: true }), secret);
  }
});

t.test('openConnection reads the inventory connection vars', async (t) => {
  const warnings: string[] = [];
  const c = await openConnection(
    'kvm-a',
    {
      ansible_host: sshd.address,
      ansible_port: String(sshd.port),
      ansible_user: sshd.user,
      ansible_ssh_private_key_file: sshd.clientKey,
      virtplay_known_hosts_file: kh,
    },
    { sshConfigPath: join(sshd.dir, 'no_ssh_config'), warn: (m) => warnings.push(m) },
  );
  t.equal(c.host, 'kvm-a');
  t.equal((await c.exec('echo $USER')).stdout, `${sshd.user}\n`);
  t.equal(c.stats.connections, 1);
  await c.close();
  t.same(warnings, []);

  // And an ssh_config Host block for the address.
  const cfg = join(sshd.dir, 'ssh_config');
  writeFileSync(
    cfg,
    `Host labhost\n  HostName ${sshd.address}\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${kh}\n  IdentityAgent none\n`,
  );
  const d = await openConnection('kvm-b', { ansible_host: 'labhost' }, { sshConfigPath: cfg });
  t.equal((await d.exec('echo cfg')).stdout, 'cfg\n');
  await d.close();

  const err = await failure(
    openConnection(
      'kvm-c',
      { ansible_host: sshd.address, ansible_port: sshd.port },
      {
        sshConfigPath: cfg,
        knownHostsFile: join(sshd.dir, 'empty_known_hosts'),
        privateKeyFile: sshd.clientKey,
        user: sshd.user,
      },
    ),
  );
  t.match(err.message, /^kvm-c: host key for .* is not known/);
});
