/**
 * A planned change as data (pyinfra's operations and Ansible's structured returns): what changes,
 * how, from what to what. Its human line, the one `changes` shows, is made from it here, so every
 * module words the same kinds of change the same way. Kept in results (register, --json) beside
 * the lines.
 */
export interface Change {
  /** The device or setting: "interface 52:54:00:12:34:56", "disk hda (/d/sys.qcow2)", "boot order". */
  subject: string;
  op: 'add' | 'remove' | 'set';
  /** For set: the part of the subject that changes ("model"); absent: the subject as a whole. */
  field?: string;
  /** For set: the value before (absent: not said); for add: nothing. */
  from?: string;
  /** For set: the value after; for add: what it comes with (an ISO). */
  to?: string;
  /** Why, or what comes with it: "no device uses it", "the boot disk takes the free vda". */
  note?: string;
}

/** The change's human line: "interface 52:54:00:12:34:56: model e1000 -> virtio", "controller ide 0 removed (no device uses it)". */
export function changeLine(c: Change): string {
  const note = c.note !== undefined ? ` (${c.note})` : '';
  if (c.op === 'add') return `${c.subject} added${c.to !== undefined ? ` with ${c.to}` : ''}${note}`;
  if (c.op === 'remove') return `${c.subject} removed${note}`;
  const field = c.field !== undefined ? `${c.field} ` : '';
  const from = c.from !== undefined ? `${c.from} -> ` : '';
  return `${c.subject}: ${field}${from}${c.to ?? '(none)'}${note}`;
}
