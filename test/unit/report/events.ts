/**
 * A scripted run for the reporter tests: four hosts, a changed task with guest details and a
 * diff, a failed host with ignore_errors, an unreachable host, a skipped host, a loop task and a
 * handler. A secret (ssh_key_passphrase: hunter2) rides in a result's invocation.
 */
import { Writable } from 'node:stream';
import type { Reporter, RunSummary, TaskHostResult, TaskInfo } from '../../../engine/report/reporter.js';

export const SECRET = 'hunter2';

export const BEFORE = [
  '<domain type="kvm">',
  '  <name>win7</name>',
  '  <devices>',
  '    <interface type="user">',
  '      <mac address="52:54:00:00:00:01"/>',
  '      <model type="e1000"/>',
  '    </interface>',
  '  </devices>',
  '</domain>',
  '',
].join('\n');
export const AFTER = BEFORE.replace('e1000', 'virtio');

export const nicTask: TaskInfo = { name: 'Make NICs virtio', module: 'virtio_nic', handler: false, hosts: ['h1', 'h2', 'h3', 'h4'] };
export const isoTask: TaskInfo = { name: 'Attach ISOs', module: 'cdrom', handler: false, hosts: ['h1', 'h2', 'h4'] };
export const handler: TaskInfo = { name: 'restart guests', module: 'guest_power', handler: true, hosts: ['h1'] };

const base = { check: false, durationMs: 12 };

export const nicResults: TaskHostResult[] = [
  {
    ...base,
    host: 'h1',
    status: 'changed',
    result: {
      changed: true,
      guests: [
        { guest: 'win7', changed: true, changes: ['nic 52:54:00:00:00:01: model e1000 -> virtio'], pending: true },
        { guest: 'deb12', changed: false, changes: [], msg: 'already virtio' },
      ],
      diff: [{ before: BEFORE, after: AFTER, before_header: 'win7 (inactive XML)', after_header: 'win7 (inactive XML)' }],
      invocation: { module_args: { guests: 'all', ssh_key_passphrase: SECRET } },
    },
  },
  {
    ...base,
    host: 'h2',
    status: 'failed',
    ignored: true,
    result: { changed: false, failed: true, msg: 'virsh define failed for w2k8: unsupported configuration' },
  },
  {
    ...base,
    host: 'h3',
    status: 'unreachable',
    result: { changed: false, unreachable: true, msg: 'Failed to connect to the host via ssh: connect ECONNREFUSED 127.0.0.1:2203' },
  },
  {
    ...base,
    host: 'h4',
    status: 'skipped',
    result: { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: 'is_kvm' },
  },
];

export const isoItems: TaskHostResult[] = [
  { ...base, host: 'h1', status: 'changed', item: 'virtio-win.iso', result: { changed: true, msg: 'attached' } },
  { ...base, host: 'h1', status: 'ok', item: 'drivers.iso', result: { changed: false, msg: 'already attached' } },
  {
    ...base,
    host: 'h1',
    status: 'changed',
    result: {
      changed: true,
      msg: 'All items completed',
      results: [
        { changed: true, item: 'virtio-win.iso' },
        { changed: false, item: 'drivers.iso' },
      ],
    },
  },
  { ...base, host: 'h2', status: 'ok', item: { iso: 'virtio-win.iso', bus: 'sata' }, result: { changed: false } },
  { ...base, host: 'h2', status: 'ok', result: { changed: false, msg: 'All items completed' } },
  { ...base, host: 'h4', status: 'skipped', result: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } },
];

export const summary: RunSummary = {
  stats: {
    h1: { ok: 3, changed: 3, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
    h2: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 1 },
    h3: { ok: 0, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
    h4: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 2, rescued: 0, ignored: 0 },
  },
  exitCode: 4,
  durationMs: 2345,
  transport: {
    h1: { connections: 1, commands: 7 },
    h2: { connections: 1, commands: 3 },
    h3: { connections: 0, commands: 0 },
    h4: { connections: 1, commands: 1 },
  },
};

/** Drives a reporter through the whole scripted run, awaiting every call as the runner does. */
export async function drive(r: Reporter): Promise<void> {
  await r.playStart({ name: 'Convert guests to virtio', hosts: ['h1', 'h2', 'h3', 'h4'] });
  await r.taskStart(nicTask);
  for (const x of nicResults) await r.hostResult(nicTask, x);
  await r.taskEnd(nicTask);
  r.warning(`guest win7 names /dev/sda in /etc/fstab (key ${SECRET})`, 'h1');
  await r.taskStart(isoTask);
  for (const x of isoItems) await r.hostResult(isoTask, x);
  r.verbose(`<exec> ssh-keygen -P ${SECRET}`, 3, 'h1');
  await r.taskEnd(isoTask);
  await r.taskStart(handler);
  await r.hostResult(handler, { ...base, host: 'h1', status: 'changed', result: { changed: true, guests: [] } });
  await r.taskEnd(handler);
  await r.finish(summary);
}

/** A writable that collects everything written to it. */
export class StringStream extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** A stream that says it is a terminal (for listr2's default renderer). */
export class FakeTty extends StringStream {
  isTTY = true;
  columns = 100;
  rows = 40;
  getColorDepth(): number {
    return 1;
  }
  hasColors(): boolean {
    return false;
  }
  cursorTo(): boolean {
    return true;
  }
  moveCursor(): boolean {
    return true;
  }
  clearLine(): boolean {
    return true;
  }
  clearScreenDown(): boolean {
    return true;
  }
}
