/**
 * Resolving one inventory host's SSH options the way Ansible's ssh plugin and OpenSSH together do:
 * inventory vars (ansible_*) > command line > ~/.ssh/config (first value wins, Host patterns
 * matched against ansible_host, or the inventory name) > defaults.
 *
 * Read from ssh_config: HostName, User, Port, IdentityFile (accumulates, after the inventory's
 * key), IdentityAgent, UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout,
 * ServerAliveInterval, ServerAliveCountMax. Not supported: Include, Match exec (never run),
 * ProxyJump/ProxyCommand, certificates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { InputError } from '../errors.js';
import type { Vars } from '../types.js';
import { defaultKnownHostsFiles } from './defaults.js';
import type { SshOptions } from './ssh.js';

export interface SshCliOptions {
  /** --accept-new-host-keys: unknown host keys are added (a changed key is still refused). */
  acceptNewHostKeys?: boolean;
  knownHostsFile?: string;
  connectTimeoutMs?: number;
  /** --private-key */
  privateKeyFile?: string;
  /** -u / --user */
  user?: string;
  /** Decrypts encrypted key files; never printed. */
  keyPassphrase?: string;
  maxSessions?: number;
  commandTimeoutMs?: number;
}

export interface ResolvedSsh extends SshOptions {
  /** Things the user should know (e.g. StrictHostKeyChecking no treated as accept-new). */
  warnings: string[];
}

export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

function expandTilde(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/** OpenSSH's % tokens: %% %h (remote host) %p %r (remote user) %u (local user) %d (home) %n (original). */
export function expandTokens(s: string, t: { h: string; p: number; r: string; n: string }): string {
  return s.replace(/%([%hprudn])/g, (_, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'h':
        return t.h;
      case 'p':
        return String(t.p);
      case 'r':
        return t.r;
      case 'u':
        return userInfo().username;
      case 'd':
        return homedir();
      default:
        return t.n;
    }
  });
}

type Computed = Record<string, string | string[]>;

function first(c: Computed, key: string): string | undefined {
  const v = c[key];
  return Array.isArray(v) ? v[0] : v;
}

function all(c: Computed, key: string): string[] {
  const v = c[key];
  if (v === undefined) return [];
  // A one-line value with several paths ("UserKnownHostsFile a b") arrives as one string.
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(/\s+/)).filter((x) => x !== '');
}

function readConfig(path: string, target: string): Computed {
  if (!existsSync(path)) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the SSH config: ${(err as Error).message}`, { file: path });
  }
  try {
    return SSHConfig.parse(text).compute(target, { ignoreCase: true, matchExec: false });
  } catch (err) {
    throw new InputError(`cannot parse the SSH config: ${(err as Error).message}`, { file: path });
  }
}

function varString(vars: Vars, host: string, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = vars[name];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw new InputError(`host ${host}: ${name} must be a string, got ${JSON.stringify(v)}`);
  }
  return undefined;
}

function toPort(value: string, what: string, pos?: { file: string }): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
    throw new InputError(`${what} must be a port number (1-65535), got ${JSON.stringify(value)}`, pos);
  }
  return n;
}

function toSeconds(value: string, what: string, pos?: { file: string }): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`${what} must be a number of seconds, got ${JSON.stringify(value)}`, pos);
  return n;
}

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && /^(false|no|off|0)$/i.test(v));
}

export function resolveSshOptions(hostName: string, vars: Vars, cli: SshCliOptions = {}, configPath: string = defaultSshConfigPath()): ResolvedSsh {
  const warnings: string[] = [];
  const target = varString(vars, hostName, 'ansible_host', 'ansible_ssh_host') ?? hostName;
  const cfg = readConfig(configPath, target);
  const cfgPos = { file: configPath };

  const user = varString(vars, hostName, 'ansible_user', 'ansible_ssh_user') ?? cli.user ?? first(cfg, 'user') ?? userInfo().username;
  const portVar = varString(vars, hostName, 'ansible_port', 'ansible_ssh_port');
  const cfgPort = first(cfg, 'port');
  const port =
    portVar !== undefined ? toPort(portVar, `host ${hostName}: ansible_port`) : cfgPort !== undefined ? toPort(cfgPort, `Port for ${target}`, cfgPos) : 22;
  const cfgHostName = first(cfg, 'hostname');
  const address = cfgHostName ? expandTokens(cfgHostName, { h: target, p: port, r: user, n: target }) : target;
  const tokens = { h: address, p: port, r: user, n: target };

  // Identity files: the inventory's (or --private-key) first, then ssh_config's; none at all
  // means OpenSSH's defaults (undefined here).
  const keys: string[] = [];
  const keyVar = varString(vars, hostName, 'ansible_ssh_private_key_file', 'ansible_private_key_file') ?? cli.privateKeyFile;
  if (keyVar) keys.push(expandTilde(keyVar));
  for (const f of all(cfg, 'identityfile')) {
    if (f.toLowerCase() === 'none') continue;
    const path = expandTilde(expandTokens(f, tokens));
    if (!keys.includes(path)) keys.push(path);
  }

  let agent: string | false | undefined;
  const identityAgent = first(cfg, 'identityagent');
  if (identityAgent !== undefined) {
    if (identityAgent.toLowerCase() === 'none') agent = false;
    else if (identityAgent === 'SSH_AUTH_SOCK') agent = undefined;
    else if (identityAgent.startsWith('$')) agent = process.env[identityAgent.slice(1)] || false;
    else agent = expandTilde(expandTokens(identityAgent, tokens));
  }

  const khVar = varString(vars, hostName, 'virtplay_known_hosts_file') ?? cli.knownHostsFile;
  const khCfg = all(cfg, 'userknownhostsfile').filter((f) => f.toLowerCase() !== 'none');
  const knownHostsFiles = khVar ? [expandTilde(khVar)] : khCfg.length ? khCfg.map((f) => expandTilde(expandTokens(f, tokens))) : defaultKnownHostsFiles();

  let hostKeyPolicy: SshOptions['hostKeyPolicy'] = 'strict';
  const strict = first(cfg, 'stricthostkeychecking')?.toLowerCase();
  if (cli.acceptNewHostKeys) hostKeyPolicy = 'accept-new';
  else if (isFalse(vars.ansible_host_key_checking)) {
    hostKeyPolicy = 'accept-new';
    warnings.push(`host ${hostName}: ansible_host_key_checking is off; virtplay adds unknown host keys (accept-new) but never accepts a changed one`);
  } else if (strict === 'accept-new') hostKeyPolicy = 'accept-new';
  else if (strict === 'no' || strict === 'off') {
    hostKeyPolicy = 'accept-new';
    warnings.push(`${configPath}: StrictHostKeyChecking ${strict} for ${target} is treated as accept-new; virtplay never accepts a changed host key`);
  }

  const timeoutVar = varString(vars, hostName, 'ansible_timeout', 'ansible_ssh_timeout');
  const cfgTimeout = first(cfg, 'connecttimeout');
  const connectTimeoutMs =
    timeoutVar !== undefined
      ? toSeconds(timeoutVar, `host ${hostName}: ansible_timeout`) * 1000
      : (cli.connectTimeoutMs ?? (cfgTimeout !== undefined ? toSeconds(cfgTimeout, `ConnectTimeout for ${target}`, cfgPos) * 1000 : 10_000));

  const alive = first(cfg, 'serveraliveinterval');
  const aliveMax = first(cfg, 'serveralivecountmax');

  return {
    host: hostName,
    address,
    port,
    user,
    ...(keys.length ? { privateKeyFiles: keys } : {}),
    ...(agent !== undefined ? { agent } : {}),
    ...(cli.keyPassphrase !== undefined ? { passphrase: cli.keyPassphrase } : {}),
    knownHostsFiles,
    hostKeyPolicy,
    connectTimeoutMs,
    ...(alive !== undefined ? { keepaliveIntervalMs: toSeconds(alive, `ServerAliveInterval for ${target}`, cfgPos) * 1000 } : {}),
    ...(aliveMax !== undefined ? { keepaliveCountMax: toSeconds(aliveMax, `ServerAliveCountMax for ${target}`, cfgPos) } : {}),
    ...(cli.maxSessions !== undefined ? { maxSessions: cli.maxSessions } : {}),
    ...(cli.commandTimeoutMs !== undefined ? { commandTimeoutMs: cli.commandTimeoutMs } : {}),
    warnings,
  };
}
