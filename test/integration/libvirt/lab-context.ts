/** A real TaskContext on a lab host: an SSH connection through the engine's own transport. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openConnection } from '../../../engine/connection/open.js';
import type { Connection } from '../../../engine/connection/types.js';
import type { FactSource, TaskContext } from '../../../engine/module.js';
import { labHost, labKeyPath, labKnownHostsPath } from '../../lab/lab.js';

export async function labContext(host: string): Promise<{ ctx: TaskContext; conn: Connection; warnings: string[] }> {
  const h = labHost(host);
  const vars = {
    ansible_host: h.address,
    ansible_port: h.port,
    ansible_user: h.user,
    ansible_ssh_private_key_file: labKeyPath(),
    virtplay_known_hosts_file: labKnownHostsPath(),
    libvirt_uri: 'qemu:///session',
  };
  const conn = await openConnection(host, vars);
  const facts = new Map<string, unknown>();
  const warnings: string[] = [];
  const ctx: TaskContext = {
    host,
    vars,
    conn,
    check: false,
    diff: false,
    verbosity: 0,
    runDir: mkdtempSync(join(tmpdir(), 'vp-run-')),
    async facts<F>(source: FactSource<F>): Promise<F> {
      if (!facts.has(source.id)) facts.set(source.id, await source.gather({ host, vars, conn }));
      return facts.get(source.id) as F;
    },
    setFacts: (source, value) => void facts.set(source.id, value),
    invalidateFacts: (source) => void facts.delete(source.id),
    warn: (m) => void warnings.push(m),
    log: () => {},
  };
  return { ctx, conn, warnings };
}
