/** SSH connections and remote commands per lab host, as the lab's sshd logged them during one run. */
import { sshdCommandsPerUser, sshdConnectionsPerHost, sshdLogLines, type LabHost } from '../lab/lab.js';

export interface SshdCounts {
  /** Per host, in the order of the hosts given. */
  connections: number[];
  commands: number[];
}

/** Marks the end of the sshd log now; the returned function counts what was logged since. */
export function sshdMark(hosts: readonly LabHost[]): () => SshdCounts {
  const mark = sshdLogLines().length;
  return () => {
    const lines = sshdLogLines().slice(mark);
    const conns = sshdConnectionsPerHost(lines);
    const cmds = sshdCommandsPerUser(lines);
    return {
      connections: hosts.map((h) => conns.get(h.address) ?? 0),
      commands: hosts.map((h) => cmds.get(h.user) ?? 0),
    };
  };
}

/** "1" when every host saw the same count, else "min-max". */
export function perHost(xs: readonly number[]): string {
  if (xs.length === 0) return '-';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}
