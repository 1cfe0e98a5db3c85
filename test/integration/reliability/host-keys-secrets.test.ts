/**
 * Host keys and secrets through the CLI, against the lab's real sshd (issue 5, item 4): an unknown
 * host is refused with its fingerprint unless --accept-new-host-keys; a changed key is refused
 * always, naming known_hosts file:line; an encrypted key's passphrase and the agent's keys are
 * never printed, not with -vvv, not in --json.
 *
 * Read-only (--check on lab4), but it holds lab4's host lock all the same: tests that count the
 * sshd's commands per host while they hold the whole lab (playbook-check-vs-run.test.ts) must not
 * see this file's sessions.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openConnection } from '../../../engine/connection/open.js';
import { UnreachableError } from '../../../engine/errors.js';
import { labDir, labHost, labKeyPath, labKnownHostsPath } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { fx, stackTraceLines, virtplay } from './virtplay-cli.js';

const lab = await useLab(t, { host: 'lab4' });
const h = labHost('lab4');
const dir = mkdtempSync(join(tmpdir(), 'vp-keys-'));
lab.cleanup(() => rmSync(dir, { recursive: true, force: true }));

const hostPub = readFileSync(join(labDir(), 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(labDir(), 'ssh_host_ed25519_key.pub')], { encoding: 'utf8' }).split(/\s+/)[1]!;
const hostName = `[${h.address}]:${h.port}`;
const otherKey = (): string => {
  const f = join(dir, `other-${Math.random().toString(36).slice(2)}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f]);
  return readFileSync(`${f}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
};
/** A read-only run on lab4 with the given extra vars and options. */
const check = (vars: Record<string, string>, ...opts: string[]) =>
  virtplay([fx('rt-all-guests.yml'), '-i', fx('inv-lab.yml'), '--check', '-e', JSON.stringify(vars), ...opts], { timeoutMs: 60_000 });

t.test('an unknown host is refused with its fingerprint; accepted and recorded with --accept-new-host-keys', async (t) => {
  const kh = join(dir, 'known_hosts_unknown');
  writeFileSync(kh, '');
  const r = await check({ virtplay_known_hosts_file: kh });
  t.equal(r.code, 4, 'exit 4 (unreachable)', { out: r.stdout + r.stderr });
  t.ok(`${r.stdout}${r.stderr}`.includes(fingerprint), `names the host's fingerprint ${fingerprint}`);
  t.equal(readFileSync(kh, 'utf8'), '', 'nothing recorded');
  t.same(stackTraceLines(r.stdout + r.stderr), []);

  const a = await check({ virtplay_known_hosts_file: kh }, '--accept-new-host-keys');
  t.equal(a.code, 0, 'accepted with --accept-new-host-keys', { out: a.stdout + a.stderr });
  const recorded = readFileSync(kh, 'utf8');
  t.ok(recorded.includes(hostPub[1]!), 'the key is recorded');
  t.match(recorded, new RegExp(`^${hostName.replace(/[[\].]/g, '\\$&')} ssh-ed25519 `, 'm'), 'as [address]:port');
  const again = await check({ virtplay_known_hosts_file: kh });
  t.equal(again.code, 0, 'and known from then on');
});

t.test('a changed host key is refused, even with --accept-new-host-keys, naming known_hosts file:line', async (t) => {
  const kh = join(dir, 'known_hosts_changed');
  const text = `# lab\nsomewhere.example ${otherKey()}\n${hostName} ${otherKey()}\n`;
  writeFileSync(kh, text);
  for (const opts of [[], ['--accept-new-host-keys'], ['-vvv'], ['--json', '--accept-new-host-keys']]) {
    const r = await check({ virtplay_known_hosts_file: kh }, ...opts);
    const out = r.stdout + r.stderr;
    t.equal(r.code, 4, `exit 4 ${opts.join(' ')}`, { out });
    t.match(out, /REMOTE HOST IDENTIFICATION HAS CHANGED/, `says the key changed ${opts.join(' ')}`);
    t.ok(out.includes(`${kh}:3`), `names ${kh}:3 ${opts.join(' ')}`);
    t.ok(out.includes(fingerprint), `names the offered key's fingerprint ${opts.join(' ')}`);
    t.same(stackTraceLines(out), [], `no stack trace ${opts.join(' ')}`);
  }
  t.equal(readFileSync(kh, 'utf8'), text, 'known_hosts untouched');
});

t.test('an encrypted key: its passphrase is never printed (CLI: no way to give it; API: keyPassphrase)', async (t) => {
  const passphrase = 'Vp-s3cret-Passphrase-9431';
  const enc = join(dir, 'id_encrypted');
  copyFileSync(labKeyPath(), enc);
  execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', passphrase, '-f', enc]);
  t.match(readFileSync(enc, 'utf8'), /BEGIN OPENSSH PRIVATE KEY/);

  // The CLI has no passphrase option and no inventory variable for one: Ansible's names are
  // set here and must be neither used nor printed. No agent: the key is the only way in.
  const vars = {
    virtplay_known_hosts_file: labKnownHostsPath(),
    ansible_ssh_private_key_file: enc,
    ansible_ssh_pass: passphrase,
    ansible_password: passphrase,
    ansible_ssh_private_key_passphrase: passphrase,
  };
  for (const opts of [['-vvv'], ['-vvv', '--json']]) {
    const r = await virtplay([fx('rt-all-guests.yml'), '-i', fx('inv-lab.yml'), '--check', '-e', JSON.stringify(vars), ...opts], {
      env: { ...process.env, SSH_AUTH_SOCK: '' },
      timeoutMs: 60_000,
    });
    const out = r.stdout + r.stderr;
    t.equal(r.code, 4, `exit 4: the encrypted key cannot be used ${opts.join(' ')}`, { out });
    t.ok(out.includes(`${enc} (encrypted, no passphrase given)`), `says why ${opts.join(' ')}`, { out });
    t.notOk(out.includes(passphrase), `the passphrase is not printed ${opts.join(' ')}`);
    t.same(stackTraceLines(out), []);
  }

  // Through the API that exists (engine/connection/open.ts, keyPassphrase): the right one connects,
  // a wrong one fails without either appearing in the error.
  const connVars = {
    ansible_host: h.address,
    ansible_port: h.port,
    ansible_user: h.user,
    ansible_ssh_private_key_file: enc,
    virtplay_known_hosts_file: labKnownHostsPath(),
  };
  const conn = await openConnection('lab4', connVars, { keyPassphrase: passphrase, sshConfigPath: '/dev/null', warn: () => {} });
  t.equal((await conn.exec('echo in')).stdout, 'in\n', 'the right passphrase decrypts the key and logs in');
  await conn.close();
  const wrong = 'Wrong-Passphrase-5521';
  const err = await openConnection('lab4', connVars, { keyPassphrase: wrong, sshConfigPath: '/dev/null', warn: () => {} }).catch((e: unknown) => e);
  t.type(err, UnreachableError);
  t.match((err as Error).message, `${enc} (the passphrase given does not decrypt it)`);
  t.notOk((err as Error).message.includes(wrong), 'the wrong passphrase is not in the error');
  t.notOk((err as Error).message.includes(passphrase));
});

t.test("the agent's keys are never printed, not with -vvv, not in --json", async (t) => {
  const sock = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  t.teardown(() => {
    agent.kill('SIGTERM');
  });
  for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  const keyCopy = join(dir, 'agent_key');
  copyFileSync(labKeyPath(), keyCopy);
  execFileSync('ssh-keygen', ['-q', '-c', '-C', 'vp-agent-comment-7781', '-f', keyCopy]);
  execFileSync('ssh-add', ['-q', keyCopy], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  const pub = execFileSync('ssh-add', ['-L'], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8' })
    .trim()
    .split(/\s+/);
  const privBody = readFileSync(keyCopy, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'));

  const vars = { virtplay_known_hosts_file: labKnownHostsPath(), ansible_ssh_private_key_file: join(dir, 'no-such-key') };
  for (const opts of [['-vvv'], ['-vvv', '--json']]) {
    const r = await virtplay([fx('rt-all-guests.yml'), '-i', fx('inv-lab.yml'), '--check', '-e', JSON.stringify(vars), ...opts], {
      env: { ...process.env, SSH_AUTH_SOCK: sock },
      timeoutMs: 60_000,
    });
    const out = r.stdout + r.stderr;
    t.equal(r.code, 0, `the agent's key logs in ${opts.join(' ')}`, { out });
    t.notOk(out.includes(pub[1]!), `the agent's public key blob is not printed ${opts.join(' ')}`);
    t.notOk(out.includes('vp-agent-comment-7781'), `nor its comment ${opts.join(' ')}`);
    t.notOk(
      privBody.some((l) => out.includes(l)),
      `nor any line of the private key ${opts.join(' ')}`,
    );
  }
});
