/**
 * The host key decision for one connection attempt, as OpenSSH makes it with
 * StrictHostKeyChecking=yes ('strict') or =accept-new ('accept-new'). A changed or revoked key is
 * refused under every policy.
 */
import { homedir } from 'node:os';
import {
  appendKnownHost,
  blobKeyType,
  checkHostKey,
  fingerprintSha256,
  keyFamily,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  loadKnownHosts,
} from './known-hosts.js';

export type HostKeyPolicy = 'strict' | 'accept-new';

export interface HostKeyContext {
  address: string;
  port: number;
  /** known_hosts files, read in order; accept-new writes to the first. */
  files: readonly string[];
  policy: HostKeyPolicy;
}

/** Accepted, or refused with the message to show the user. */
export type HostKeyVerdict = { ok: true; added?: string } | { ok: false; reason: string };

function tilde(path: string): string {
  const home = homedir();
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function describe(blob: Buffer): string {
  return `${keyFamily(blobKeyType(blob))} key ${fingerprintSha256(blob)}`;
}

export function verifyHostKey(ctx: HostKeyContext, blob: Buffer): HostKeyVerdict {
  const name = knownHostsName(ctx.address, ctx.port);
  const entries = loadKnownHosts(ctx.files);
  const check = checkHostKey(entries, name, blob);
  switch (check.status) {
    case 'known':
      return { ok: true };
    case 'revoked':
      return {
        ok: false,
        reason: `host key for ${name} (${describe(blob)}) is marked as revoked in ` + `${check.entry.file}:${check.entry.line}; refusing to connect`,
      };
    case 'changed':
      return {
        ok: false,
        reason:
          `REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: the server offered ${describe(blob)}, ` +
          `but ${check.entry.file}:${check.entry.line} holds a different ${keyFamily(check.entry.keyType)} key ` +
          `(${fingerprintSha256(check.entry.key)}). Someone could be eavesdropping (man-in-the-middle), ` +
          `or the host key was just changed. Offending ${keyFamily(check.entry.keyType)} key in ` +
          `${check.entry.file}:${check.entry.line}; if the change is expected, remove it with ` +
          `ssh-keygen -R '${name}' -f ${check.entry.file}`,
      };
    case 'unknown': {
      const first = ctx.files[0];
      if (ctx.policy === 'accept-new' && first !== undefined) {
        appendKnownHost(first, knownHostsLine(name, blob));
        return { ok: true, added: first };
      }
      const other = check.otherTypes[0];
      const hint = other
        ? ` (${other.file}:${other.line} holds a ${keyFamily(other.keyType)} key for it, but the server offered ${keyFamily(blobKeyType(blob))} only)`
        : '';
      return {
        ok: false,
        reason:
          `host key for ${name} is not known (${describe(blob)})${hint}; add it to ` + `${tilde(first ?? '~/.ssh/known_hosts')} or pass --accept-new-host-keys`,
      };
    }
  }
}

const ALL_HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * Host key algorithms to offer, those the host is already known by first (as OpenSSH orders
 * HostKeyAlgorithms), so a server with several host keys presents the one on file.
 */
export function preferredHostKeyAlgorithms(ctx: HostKeyContext): string[] {
  const known = knownKeyTypes(loadKnownHosts(ctx.files), knownHostsName(ctx.address, ctx.port));
  const first: string[] = [];
  for (const type of known) {
    const algos = type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
    for (const a of algos) if (ALL_HOST_KEY_ALGOS.includes(a) && !first.includes(a)) first.push(a);
  }
  return [...first, ...ALL_HOST_KEY_ALGOS.filter((a) => !first.includes(a))];
}
