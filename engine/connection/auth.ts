/**
 * The public-key authentication attempts for one SSH connection, in OpenSSH's order: the agent's
 * keys first, then each identity file. A key passphrase is used only to decrypt a key here; it is
 * never part of a message, a label or a thrown error.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AgentAuthMethod, PublicKeyAuthMethod } from 'ssh2';
import ssh2 from 'ssh2';

export interface AuthInput {
  user: string;
  /** ssh-agent socket path (SSH_AUTH_SOCK), or undefined for none. */
  agent?: string;
  keyFiles: readonly string[];
  passphrase?: string;
}

export interface AuthPlan {
  methods: (AgentAuthMethod | PublicKeyAuthMethod)[];
  /** One label per method, same order: 'agent' or the key file's path. */
  labels: string[];
  /** Sources that could not be used, with the reason (no secrets). */
  skipped: string[];
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

export function planAuth(input: AuthInput): AuthPlan {
  const plan: AuthPlan = { methods: [], labels: [], skipped: [] };
  if (input.agent) {
    if (isSocket(input.agent)) {
      plan.methods.push({ type: 'agent', username: input.user, agent: input.agent });
      plan.labels.push('agent');
    } else {
      plan.skipped.push(`agent (no socket at SSH_AUTH_SOCK=${input.agent})`);
    }
  }
  for (const file of input.keyFiles) {
    if (!existsSync(file)) {
      plan.skipped.push(`${file} (no such file)`);
      continue;
    }
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (err) {
      plan.skipped.push(`${file} (cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    const plain = ssh2.utils.parseKey(data);
    const encrypted = plain instanceof Error && /encrypt|passphrase|bad decrypt/i.test(plain.message);
    if (encrypted && input.passphrase === undefined) {
      plan.skipped.push(`${file} (encrypted, no passphrase given)`);
      continue;
    }
    const parsed = encrypted ? ssh2.utils.parseKey(data, input.passphrase) : plain;
    if (parsed instanceof Error) {
      plan.skipped.push(
        encrypted
          ? `${file} (the passphrase given does not decrypt it)`
          : `${file} (not a private key: ${plain instanceof Error ? plain.message : 'unsupported'})`,
      );
      continue;
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || !key.isPrivateKey()) {
      plan.skipped.push(`${file} (not a private key)`);
      continue;
    }
    // The parsed key carries no passphrase: the secret goes no further than this function.
    plan.methods.push({ type: 'publickey', username: input.user, key });
    plan.labels.push(file);
  }
  return plan;
}

/** "authentication failed for user 'x' (tried: agent, /k; skipped: /k2 (encrypted, ...))". */
export function authFailureMessage(user: string, plan: AuthPlan, agentNote?: string): string {
  const tried = plan.labels.map((l) => (l === 'agent' && agentNote ? `agent (${agentNote})` : l));
  const parts: string[] = [];
  if (tried.length) parts.push(`tried: ${tried.join(', ')}`);
  if (plan.skipped.length) parts.push(`skipped: ${plan.skipped.join(', ')}`);
  if (!tried.length && !plan.skipped.length) parts.push('no agent (SSH_AUTH_SOCK unset) and no key file');
  return `authentication failed for user '${user}' (${parts.join('; ')})`;
}
