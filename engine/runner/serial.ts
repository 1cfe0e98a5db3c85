/**
 * A play's `serial`, as Ansible's _get_serialized_batches: each value is a count or a percentage
 * of the play's hosts (rounded down, at least 1); the last value repeats until every host is in
 * a batch; a value of 0 or less takes all the hosts left; no serial is one batch of all hosts;
 * no hosts, no batch.
 */
export function serialBatches<T>(hosts: readonly T[], serial: readonly (number | string)[] | undefined): T[][] {
  const list = serial && serial.length > 0 ? serial : [-1];
  const size = (v: number | string): number => {
    const text = String(v).trim();
    if (text.endsWith('%')) return Math.trunc((Number.parseInt(text.slice(0, -1), 10) / 100) * hosts.length) || 1;
    return Math.trunc(Number(text));
  };
  const batches: T[][] = [];
  let at = 0;
  for (let i = 0; at < hosts.length; i = Math.min(i + 1, list.length - 1)) {
    const n = size(list[i]!);
    const end = n <= 0 ? hosts.length : at + n;
    batches.push(hosts.slice(at, end));
    at = end;
  }
  return batches;
}
