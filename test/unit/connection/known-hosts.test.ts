import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHostKey, fingerprintSha256, hostsFieldMatches, knownHostsName, loadKnownHosts, parseKnownHosts } from '../../../engine/connection/known-hosts.js';
import { preferredHostKeyAlgorithms, verifyHostKey } from '../../../engine/connection/host-key.js';

const dir = mkdtempSync(join(tmpdir(), 'virtplay-kh-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Key {
  type: string;
  b64: string;
  blob: Buffer;
  pub: string;
}
let n = 0;
function genKey(type: 'ed25519' | 'ecdsa' | 'rsa'): Key {
  const file = join(dir, `k${n++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
  const [kt, b64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/) as [string, string];
  return { type: kt, b64, blob: Buffer.from(b64, 'base64'), pub: `${file}.pub` };
}

const a = genKey('ed25519');
const aEcdsa = genKey('ecdsa');
const b = genKey('ed25519');
const c = genKey('ed25519');
const rsa = genKey('rsa');
const line = (hosts: string, k: Key) => `${hosts} ${k.type} ${k.b64}`;

t.test('fingerprints are OpenSSH SHA256 fingerprints', async (t) => {
  for (const k of [a, aEcdsa, rsa]) {
    const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', k.pub]).toString();
    t.equal(fingerprintSha256(k.blob), out.split(/\s+/)[1], k.type);
  }
});

t.test('lookup names follow OpenSSH: bare host on 22, [host]:port otherwise', async (t) => {
  t.equal(knownHostsName('Web1.Example.com', 22), 'web1.example.com');
  t.equal(knownHostsName('127.0.0.2', 2222), '[127.0.0.2]:2222');
});

t.test('parsing: comments, blanks, markers, comma lists, malformed lines, line numbers', async (t) => {
  const text = [
    '# a comment',
    '',
    line('web1,10.0.0.5', a),
    line('[web2]:2222', b),
    `@revoked * ${c.type} ${c.b64}`,
    `@cert-authority *.example.com ${b.type} ${b.b64}`,
    'garbage line',
    `web3 ssh-rsa ${a.b64}`, // type field disagrees with the blob: skipped
    `@bogus web4 ${a.type} ${a.b64}`,
    `${line('web1', aEcdsa)} trailing comment`,
  ].join('\n');
  const entries = parseKnownHosts(text, '/kh');
  t.same(
    entries.map((e) => [e.line, e.marker ?? '', e.hosts, e.keyType]),
    [
      [3, '', 'web1,10.0.0.5', 'ssh-ed25519'],
      [4, '', '[web2]:2222', 'ssh-ed25519'],
      [5, 'revoked', '*', 'ssh-ed25519'],
      [6, 'cert-authority', '*.example.com', 'ssh-ed25519'],
      [10, '', 'web1', aEcdsa.type],
    ],
  );
});

t.test('host patterns: lists, wildcards, negation, ports', async (t) => {
  t.ok(hostsFieldMatches('web1,10.0.0.5', '10.0.0.5'));
  t.ok(hostsFieldMatches('*.example.com,!bad.example.com', 'good.example.com'));
  t.notOk(hostsFieldMatches('*.example.com,!bad.example.com', 'bad.example.com'));
  t.ok(hostsFieldMatches('web?', 'web7'));
  t.notOk(hostsFieldMatches('web?', 'web77'));
  t.ok(hostsFieldMatches('[web2]:2222', '[web2]:2222'));
  t.notOk(hostsFieldMatches('web2', '[web2]:2222'), 'a port-22 entry does not match another port');
  t.notOk(hostsFieldMatches('[web2]:2222', 'web2'));
  t.ok(hostsFieldMatches('WEB1', 'web1'), 'case-insensitive');
  t.notOk(hostsFieldMatches('web.1', 'webx1'), 'dots are literal');
});

t.test('hashed entries written by ssh-keygen -H match their names only', async (t) => {
  const file = join(dir, 'hashed');
  writeFileSync(file, `${line('[127.0.0.2]:2222', a)}\n${line('myhost', b)}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, /127\.0\.0\.2|myhost/, 'names are hashed');
  t.match(text, /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /m);
  const entries = loadKnownHosts([file]);
  t.equal(checkHostKey(entries, '[127.0.0.2]:2222', a.blob).status, 'known');
  t.equal(checkHostKey(entries, 'myhost', b.blob).status, 'known');
  t.equal(checkHostKey(entries, '127.0.0.2', a.blob).status, 'unknown', 'port matters for hashed names');
  const changed = checkHostKey(entries, 'myhost', c.blob);
  t.equal(changed.status, 'changed');
  t.equal(changed.status === 'changed' && changed.entry.line, 2);
});

t.test('decisions: known, unknown, changed (with its line), revoked, other key types', async (t) => {
  const file = join(dir, 'decide');
  writeFileSync(
    file,
    ['# hosts', line('web1', aEcdsa), line('web1', a), line('[web2]:2222', b), `@revoked * ${c.type} ${c.b64}`, `@cert-authority * ${c.type} ${c.b64}`].join(
      '\n',
    ) + '\n',
  );
  const entries = loadKnownHosts([join(dir, 'missing'), file]);
  t.equal(entries.length, 5, 'a missing file is empty');
  t.equal(checkHostKey(entries, 'web1', a.blob).status, 'known');
  t.equal(checkHostKey(entries, 'web1', aEcdsa.blob).status, 'known', 'several key types per host');
  const ch = checkHostKey(entries, 'web1', b.blob);
  t.equal(ch.status, 'changed');
  t.equal(ch.status === 'changed' && `${ch.entry.file}:${ch.entry.line}`, `${file}:3`);
  t.equal(checkHostKey(entries, 'web2', b.blob).status, 'unknown');
  t.equal(checkHostKey(entries, '[web2]:2222', b.blob).status, 'known');
  const rev = checkHostKey(entries, 'anyhost', c.blob);
  t.equal(rev.status, 'revoked');
  t.equal(rev.status === 'revoked' && rev.entry.line, 5);
  const other = checkHostKey(entries, '[web2]:2222', rsa.blob);
  t.equal(other.status, 'unknown', 'a key of another type is unknown, not changed');
  t.equal(other.status === 'unknown' && other.otherTypes.length, 1);
});

t.test('verifyHostKey: strict refuses unknown with the fingerprint; accept-new appends; changed always refused', async (t) => {
  const file = join(dir, 'sub', 'known_hosts');
  const ctx = { address: '127.0.0.2', port: 2222, files: [file], policy: 'strict' as const };
  const refused = verifyHostKey(ctx, a.blob);
  t.equal(refused.ok, false);
  t.equal(
    !refused.ok && refused.reason,
    `host key for [127.0.0.2]:2222 is not known (ED25519 key ${fingerprintSha256(a.blob)}); add it to ${file} or pass --accept-new-host-keys`,
  );
  const added = verifyHostKey({ ...ctx, policy: 'accept-new' }, a.blob);
  t.same(added, { ok: true, added: file });
  t.equal(readFileSync(file, 'utf8'), `[127.0.0.2]:2222 ssh-ed25519 ${a.b64}\n`);
  t.equal(statSync(file).mode & 0o777, 0o600, 'created 0600');
  t.same(verifyHostKey(ctx, a.blob), { ok: true }, 'strict accepts it afterwards');
  for (const policy of ['strict', 'accept-new'] as const) {
    const v = verifyHostKey({ ...ctx, policy }, b.blob);
    t.equal(v.ok, false, `changed refused under ${policy}`);
    t.match(!v.ok && v.reason, `REMOTE HOST IDENTIFICATION HAS CHANGED`);
    t.match(!v.ok && v.reason, `Offending ED25519 key in ${file}:1`);
  }
  t.equal(readFileSync(file, 'utf8').split('\n').length, 2, 'nothing appended for a changed key');
});

t.test('accept-new adds a newline to a file that lacks one at its end', async (t) => {
  const file = join(dir, 'nonl');
  writeFileSync(file, line('other', b));
  verifyHostKey({ address: 'web9', port: 22, files: [file], policy: 'accept-new' }, a.blob);
  t.same(readFileSync(file, 'utf8').split('\n'), [line('other', b), `web9 ssh-ed25519 ${a.b64}`, '']);
  t.equal(loadKnownHosts([file]).length, 2);
});

t.test('host key algorithms: those on file come first', async (t) => {
  const file = join(dir, 'algos');
  writeFileSync(file, `${line('[h]:2200', rsa)}\n${line('[h]:2200', aEcdsa)}\n`);
  const algos = preferredHostKeyAlgorithms({ address: 'h', port: 2200, files: [file], policy: 'strict' });
  t.same(algos.slice(0, 4), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ecdsa-sha2-nistp256']);
  t.equal(new Set(algos).size, algos.length);
  t.equal(preferredHostKeyAlgorithms({ address: 'x', port: 22, files: [file], policy: 'strict' })[0], 'ssh-ed25519');
});
