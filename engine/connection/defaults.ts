/** OpenSSH's default file locations (no ssh2 here: loading ssh2 waits for the first SSH host). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultKeyFiles(home = homedir()): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f));
}

export function defaultKnownHostsFiles(home = homedir()): string[] {
  return [join(home, '.ssh', 'known_hosts')];
}
