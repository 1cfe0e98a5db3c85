/**
 * One host's connection, chosen as Ansible chooses: ansible_connection (ssh, smart, paramiko ->
 * SSH; local -> this machine), and the implicit localhost (named 'localhost', no ansible_host) runs
 * locally.
 */
import { InputError } from '../errors.js';
import type { Vars } from '../types.js';
import { openLocal } from './local.js';
import { defaultSshConfigPath, resolveSshOptions } from './ssh-config.js';
import type { SshCliOptions } from './ssh-config.js';
import type { Connection } from './types.js';

export interface ConnectionCliOptions extends SshCliOptions {
  /** Connect on the first exec instead of now. */
  lazy?: boolean;
  /** ssh_config to read; default ~/.ssh/config. */
  sshConfigPath?: string;
  /** Where warnings go (host key added, StrictHostKeyChecking no); default stderr. */
  warn?: (message: string) => void;
}

const SSH_KINDS = new Set(['ssh', 'smart', 'paramiko', 'paramiko_ssh']);

export function connectionKind(host: string, vars: Vars): 'local' | 'ssh' {
  const declared = vars.ansible_connection;
  if (declared === undefined || declared === null || declared === '') {
    return host === 'localhost' && vars.ansible_host === undefined ? 'local' : 'ssh';
  }
  if (declared === 'local') return 'local';
  if (typeof declared === 'string' && SSH_KINDS.has(declared)) return 'ssh';
  throw new InputError(`host ${host}: ansible_connection ${JSON.stringify(declared)} is not supported; virtplay connects with 'ssh' or 'local'`);
}

/**
 * Opens the host's connection. SSH connects now (unless lazy) and rejects with UnreachableError
 * when the host cannot be reached; InputError for bad connection vars.
 */
export async function openConnection(host: string, vars: Vars, cli: ConnectionCliOptions = {}): Promise<Connection> {
  const warn = cli.warn ?? ((m: string) => process.stderr.write(`[WARNING]: ${m}\n`));
  if (connectionKind(host, vars) === 'local') {
    return openLocal(host, cli.commandTimeoutMs !== undefined ? { commandTimeoutMs: cli.commandTimeoutMs } : {});
  }
  const { warnings, ...opts } = resolveSshOptions(host, vars, cli, cli.sshConfigPath ?? defaultSshConfigPath());
  for (const w of warnings) warn(w);
  // ssh2 is loaded on the first SSH host only: --syntax-check, listings and local runs skip it.
  const { createSsh } = await import('./ssh.js');
  const conn = createSsh({ ...opts, warn });
  if (!cli.lazy) await conn.open();
  return conn;
}
