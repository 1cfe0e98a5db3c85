/**
 * OpenSSH known_hosts files: parsing, host matching and the host key decision, with OpenSSH's
 * semantics (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT", hostfile.c):
 *   - one entry per line: `[marker] hostpatterns keytype base64key [comment]`;
 *   - host patterns: comma list, `*` and `?` wildcards, `!` negation, `[host]:port` for ports
 *     other than 22, or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`;
 *   - `@revoked`: the key must never be accepted for the matching hosts;
 *   - `@cert-authority`: host certificates are not supported here (ssh2 does not verify OpenSSH
 *     certificates), so these lines are skipped: they never accept nor refuse a key;
 *   - malformed lines are skipped, as OpenSSH does.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { dirname } from 'node:path';

export type KnownHostMarker = 'revoked' | 'cert-authority';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number in file. */
  line: number;
  marker?: KnownHostMarker;
  /** The host field as written (comma list of patterns, or one hashed name). */
  hosts: string;
  keyType: string;
  /** The public key blob (SSH wire format, the base64 field decoded). */
  key: Buffer;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/[ \t]+/);
    let marker: KnownHostMarker | undefined;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: OpenSSH skips the line
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    // The blob starts with its own type name; a line whose two disagree is malformed.
    if (blobKeyType(key) !== keyType) continue;
    entries.push({ file, line: i + 1, marker, hosts, keyType, key });
  }
  return entries;
}

/** Reads the files that exist (a missing known_hosts file is simply empty). */
export function loadKnownHosts(files: readonly string[]): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    out.push(...parseKnownHosts(text, file));
  }
  return out;
}

/** The name OpenSSH looks up: the bare host for port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's match_pattern: `*` any run, `?` one character; case-insensitive here (names are lowercased). */
function matchPattern(name: string, pattern: string): boolean {
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(name);
}

function matchHashed(name: string, field: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1' || !parts[2] || !parts[3]) return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && want.equals(got);
}

/** Does the entry's host field match the lookup name (from knownHostsName)? Negations win. */
export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return matchHashed(name, field);
  let matched = false;
  for (const p of field.split(',')) {
    if (p === '') continue;
    if (p.startsWith('!')) {
      if (matchPattern(name, p.slice(1))) return false;
    } else if (matchPattern(name, p)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type name at the start of an SSH public key blob ('' when the blob is malformed). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return '';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's default fingerprint: `SHA256:` + base64 (no padding) of the blob's SHA-256. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The family name OpenSSH prints in messages: ED25519, ECDSA, RSA, DSA. */
export function keyFamily(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  return keyType;
}

export type HostKeyCheck =
  | { status: 'known'; entry: KnownHostEntry }
  /** otherTypes: entries for this host with other key types (the server offered a type not on file). */
  | { status: 'unknown'; otherTypes: KnownHostEntry[] }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * The decision for a key the server presented, like OpenSSH's check_key_in_hostkeys: revoked wins,
 * then an exact match, then a different key of the same type (changed), else unknown.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, blob: Buffer): HostKeyCheck {
  const type = blobKeyType(blob);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostsFieldMatches(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const exact = plain.find((e) => e.key.equals(blob));
  if (exact) return { status: 'known', entry: exact };
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) return { status: 'changed', entry: sameType };
  return { status: 'unknown', otherTypes: plain };
}

/** Key types known for the host (non-revoked), in file order: preferred when negotiating. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker === undefined && hostsFieldMatches(e.hosts, name) && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}

/** The line ssh-keygen/ssh-keyscan write (plain, not hashed): `name keytype base64`. */
export function knownHostsLine(name: string, blob: Buffer): string {
  return `${name} ${blobKeyType(blob)} ${blob.toString('base64')}`;
}

/**
 * Appends one line to a known_hosts file, creating it (0600, its folder 0700) when missing, and
 * adding the newline a hand-edited file may lack at its end.
 */
export function appendKnownHost(file: string, line: string): void {
  if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  if (existsSync(file)) {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n';
      }
    } finally {
      closeSync(fd);
    }
  }
  appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
}
