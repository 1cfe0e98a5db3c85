/**
 * The two tools under test, each run once as a measured control process: virtplay's CLI (built
 * dist/) and ansible-playbook with test/bench/ansible/. Each run reports what changed, so the
 * bench can check that a first run converted and a re-run did nothing.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labHostKeyOptions, run, type LabHost } from '../lab/lab.js';
import { measure, type Measured } from './measure.js';
import { sshdMark, type SshdCounts } from './sshd-count.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = resolve(HERE, '../..');
/** What users run (package.json "bin"): the bundle esbuild.config.mjs makes. */
export const CLI = join(ROOT, 'dist/bin/virtplay.js');
export const PLAYBOOK = join(ROOT, 'playbooks/linux-virtio.yml');
const ANSIBLE_DIR = join(HERE, 'ansible');

export type Tool = 'virtplay' | 'ansible';

export interface ToolRun extends Measured {
  sshd: SshdCounts;
  /** Hosts that reported changed (virtplay: stats changed > 0; Ansible: recap changed > 0). */
  changedHosts: number;
  /** Sum of changed counts over hosts (tasks changed, as each tool counts them). */
  changedTotal: number;
  failed: boolean;
  /** Client-side view: connections and remote commands (virtplay --json transport; Ansible: module calls). */
  clientConnections?: number[];
  clientCommands?: number[];
  /** Guests each host had during the run, as the tool saw them (a lab resized under the run shows here). */
  guestsSeen: number[];
}

export async function runVirtplay(inventory: string, hosts: readonly LabHost[]): Promise<ToolRun> {
  const counted = sshdMark(hosts);
  // driver_ready: every guest is converted, the Windows-labelled one of each host (win05) too, as
  // Ansible's convert.yml does (it has no Windows guard): both tools do the same work per guest.
  const m = await measure([process.execPath, CLI, PLAYBOOK, '-i', inventory, '-e', 'driver_ready=true', '--json']);
  const sshd = counted();
  let doc: {
    plays?: { tasks?: { hosts?: Record<string, { guests?: unknown[] }> }[] }[];
    stats?: Record<string, { changed: number; failures: number; unreachable: number }>;
    virtplay?: { transport?: Record<string, { connections: number; commands: number }> };
  };
  try {
    doc = JSON.parse(m.stdout) as typeof doc;
  } catch {
    throw new Error(`virtplay printed no JSON document (exit ${m.code}): ${m.stderr.trim().slice(0, 2000)}`);
  }
  const stats = Object.values(doc.stats ?? {});
  const transport = doc.virtplay?.transport ?? {};
  return {
    ...m,
    sshd,
    changedHosts: stats.filter((s) => s.changed > 0).length,
    changedTotal: stats.reduce((a, s) => a + s.changed, 0),
    failed: m.code !== 0 || stats.length !== hosts.length || stats.some((s) => s.failures > 0 || s.unreachable > 0),
    clientConnections: hosts.map((h) => transport[h.name]?.connections ?? 0),
    clientCommands: hosts.map((h) => transport[h.name]?.commands ?? 0),
    guestsSeen: hosts.map((h) => doc.plays?.[0]?.tasks?.[0]?.hosts?.[h.name]?.guests?.length ?? 0),
  };
}

/**
 * One ansible-playbook run, cold: a fresh ControlPath directory, so each host's first module call
 * opens a new SSH connection (ControlPersist then keeps it for the rest of the run); the masters
 * are closed afterwards so the next run starts cold again.
 */
export async function runAnsible(inventory: string, hosts: readonly LabHost[]): Promise<ToolRun> {
  const cpDir = mkdtempSync(join(tmpdir(), 'vpbench-cp-'));
  const sshArgs = [...labHostKeyOptions(), '-o', 'IdentitiesOnly=yes'].join(' ');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: cpDir,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_LOCAL_TEMP: join(cpDir, 'tmp'),
  };
  const counted = sshdMark(hosts);
  try {
    const m = await measure(
      [
        'ansible-playbook',
        '-i',
        inventory,
        '-f',
        String(hosts.length),
        '-e',
        JSON.stringify({ ansible_ssh_common_args: sshArgs }),
        join(ANSIBLE_DIR, 'convert.yml'),
      ],
      { env },
    );
    const sshd = counted();
    const recap = parseRecap(m.stdout);
    const calls = hosts.map((h) => m.stdout.split('\n').filter((l) => new RegExp(`^(ok|changed|failed|fatal|skipping): \\[${h.name}\\]`).test(l)).length);
    return {
      ...m,
      sshd,
      changedHosts: hosts.filter((h) => (recap.get(h.name)?.changed ?? 0) > 0).length,
      changedTotal: [...recap.values()].reduce((a, r) => a + r.changed, 0),
      failed: m.code !== 0 || hosts.some((h) => !recap.has(h.name) || recap.get(h.name)!.failed > 0 || recap.get(h.name)!.unreachable > 0),
      clientCommands: calls,
      // list_vms, then one get_xml, four xml edits and one define per guest.
      guestsSeen: calls.map((c) => (c - 1) / 6),
    };
  } finally {
    await closeMasters(cpDir);
    rmSync(cpDir, { recursive: true, force: true });
  }
}

interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** "lab1 : ok=7 changed=5 unreachable=0 failed=0 ..." lines of PLAY RECAP. */
export function parseRecap(stdout: string): Map<string, Recap> {
  const out = new Map<string, Recap>();
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return out;
  for (const line of stdout.slice(at).split('\n')) {
    const m = /^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (m) out.set(m[1]!, { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) });
  }
  return out;
}

async function closeMasters(dir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.filter((n) => n !== 'tmp').map((n) => run(['ssh', '-o', `ControlPath=${join(dir, n)}`, '-O', 'exit', 'bench-master'], { timeoutMs: 10_000 })),
  );
}
