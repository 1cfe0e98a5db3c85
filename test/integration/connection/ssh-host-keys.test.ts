/** Host key checking against a real sshd: unknown, accept-new, changed, hashed, revoked. */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd } from '../../helpers/sshd.js';
import { openSsh } from '../../../engine/connection/ssh.js';
import type { SshOptions } from '../../../engine/connection/ssh.js';
import { fingerprintSha256 } from '../../../engine/connection/known-hosts.js';
import { UnreachableError } from '../../../engine/errors.js';

const sshd = await startSshd();
t.teardown(() => sshd.stop());
const name = `[${sshd.address}]:${sshd.port}`;
const fp = fingerprintSha256(sshd.hostKeyBlob);
let n = 0;
const khFile = () => join(sshd.dir, `known_hosts_${n++}`);
const opts = (knownHosts: string, extra: Partial<SshOptions> = {}): SshOptions => ({
  host: 'kvm1',
  address: sshd.address,
  port: sshd.port,
  user: sshd.user,
  privateKeyFiles: [sshd.clientKey],
  agent: false,
  knownHostsFiles: [knownHosts],
  warn: () => {},
  ...extra,
});
const otherKey = (): string => {
  const f = join(sshd.dir, `other_${n++}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f]);
  return readFileSync(`${f}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
};

t.test('an unknown host is refused with its fingerprint (strict, the default)', async (t) => {
  const kh = khFile();
  const before = sshd.logins();
  const err = await openSsh(opts(kh)).catch((e: unknown) => e);
  t.type(err, UnreachableError);
  t.equal((err as Error).message, `kvm1: host key for ${name} is not known (ED25519 key ${fp}); add it to ${kh} or pass --accept-new-host-keys`);
  t.equal(sshd.logins(), before, 'never authenticated');
  t.notOk(existsSync(kh), 'known_hosts untouched');
});

t.test('accept-new writes the key (0600 file), and the next connection verifies against it', async (t) => {
  const kh = khFile();
  const notices: string[] = [];
  const c = await openSsh(opts(kh, { hostKeyPolicy: 'accept-new', warn: (m) => notices.push(m) }));
  t.equal((await c.exec('echo ok')).stdout, 'ok\n');
  await c.close();
  t.equal(readFileSync(kh, 'utf8'), `${sshd.knownHostsLine()}\n`);
  t.equal(statSync(kh).mode & 0o777, 0o600);
  t.same(notices, [`kvm1: permanently added the host key of ${sshd.address}:${sshd.port} to ${kh}`]);
  const again = await openSsh(opts(kh)); // strict now
  t.equal((await again.exec('echo again')).stdout, 'again\n');
  await again.close();
  t.equal(readFileSync(kh, 'utf8').split('\n').length, 2, 'not added twice');
});

t.test('a changed key is refused under every policy, naming file:line', async (t) => {
  const kh = khFile();
  writeFileSync(kh, `# lab hosts\nsomewhere ${otherKey()}\n${name} ${otherKey()}\n`);
  for (const hostKeyPolicy of ['strict', 'accept-new'] as const) {
    const err = await openSsh(opts(kh, { hostKeyPolicy })).catch((e: unknown) => e);
    t.type(err, UnreachableError, hostKeyPolicy);
    t.match((err as Error).message, /^kvm1: REMOTE HOST IDENTIFICATION HAS CHANGED for /);
    t.match((err as Error).message, `the server offered ED25519 key ${fp}`);
    t.match((err as Error).message, `Offending ED25519 key in ${kh}:3`);
  }
  t.equal(readFileSync(kh, 'utf8').split('\n').length, 4, 'nothing written');
});

t.test('a hashed known_hosts entry (ssh-keygen -H) is accepted', async (t) => {
  const kh = khFile();
  writeFileSync(kh, `${sshd.knownHostsLine()}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  t.notMatch(readFileSync(kh, 'utf8'), sshd.address);
  const c = await openSsh(opts(kh));
  t.equal((await c.exec('echo hashed')).stdout, 'hashed\n');
  await c.close();
});

t.test('a revoked key is refused', async (t) => {
  const kh = khFile();
  const [type, b64] = sshd.knownHostsLine().split(' ').slice(1);
  writeFileSync(kh, `${sshd.knownHostsLine()}\n@revoked * ${type} ${b64}\n`);
  const err = await openSsh(opts(kh, { hostKeyPolicy: 'accept-new' })).catch((e: unknown) => e);
  t.type(err, UnreachableError);
  t.match((err as Error).message, `is marked as revoked in ${kh}:2`);
});

t.test('the entry for the bare address does not cover another port', async (t) => {
  const kh = khFile();
  writeFileSync(kh, `${sshd.address} ${sshd.knownHostsLine().split(' ').slice(1).join(' ')}\n`);
  await t.rejects(openSsh(opts(kh)), { message: /is not known/ });
});
