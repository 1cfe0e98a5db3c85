/**
 * Apply new definitions to several guests of one host as one transaction per guest, in as few
 * remote commands as correctness allows: back up every current XML locally, define all new XMLs
 * in one remote command (XML on stdin) that reads each back, verify the read-back, and restore
 * the backup of any guest whose define failed verification (one more command, only then).
 */
import { TaskError, UnreachableError } from '../../engine/errors.js';
import type { TaskContext } from '../../engine/module.js';
import { backupGuestXml } from './backup.js';
import type { GuestFacts } from './facts.js';
import { defineBatchCommand, dumpxmlSha256, LOCK_BUSY, MARK, splitMarked } from './virsh.js';

export interface DefineItem {
  guest: GuestFacts;
  newXml: string;
  /** Problems with the read-back XML (empty: everything asked for holds). */
  verify(readBackXml: string): string[];
}

export interface DefineOutcome {
  guest: string;
  ok: boolean;
  /** The inactive XML now on the host (new on success, old after a failed define or a restore). */
  xml: string;
  error?: string;
  restored?: boolean;
  /** Not applied: the definition on the host is no longer the one the plan was made from. */
  stale?: boolean;
  backupFile: string;
}

export async function defineGuests(ctx: TaskContext, uri: string, items: DefineItem[]): Promise<DefineOutcome[]> {
  if (items.length === 0) return [];
  const backups = await Promise.all(items.map((it) => backupGuestXml(ctx.runDir, ctx.host, it.guest.name, it.guest.uuid, it.guest.inactiveXml)));
  // Each define is conditional on the guest still having the definition the plan was made from.
  const r = await runDefineBatch(
    ctx,
    uri,
    items.map((it) => ({ uuid: it.guest.uuid, xml: it.newXml, planned: it.guest.inactiveXml })),
  );
  const outcomes: DefineOutcome[] = items.map((it, i) => {
    const readBack = r.readBack[i] ?? '';
    const defineError = r.errors[i];
    const base = { guest: it.guest.name, backupFile: backups[i] ?? '' };
    if (r.stale.has(i)) {
      return {
        ...base,
        ok: false,
        stale: true,
        xml: it.guest.inactiveXml,
        error: 'its definition changed since virtplay read it (another run or a person); nothing applied: run again to plan on the new definition',
      };
    }
    if (defineError) return { ...base, ok: false, xml: readBack || it.guest.inactiveXml, error: `virsh define refused the new XML: ${defineError}` };
    if (readBack === '') return { ...base, ok: false, xml: it.guest.inactiveXml, error: `could not read the definition back: ${r.stderr || 'no output'}` };
    const problems = it.verify(readBack);
    if (problems.length > 0) return { ...base, ok: false, xml: readBack, error: `libvirt did not keep what was asked: ${problems.join('; ')}` };
    return { ...base, ok: true, xml: readBack };
  });
  // A guest that was defined but failed verification gets its backup back.
  const restore = outcomes.flatMap((o, i) => (!o.ok && !o.stale && !r.errors[i] && r.readBack[i] ? [i] : []));
  if (restore.length > 0) {
    const back = await runDefineBatch(
      ctx,
      uri,
      restore.map((i) => ({ uuid: items[i]!.guest.uuid, xml: items[i]!.guest.inactiveXml })),
    );
    restore.forEach((i, j) => {
      const o = outcomes[i]!;
      if (back.errors[j] || !back.readBack[j]) {
        o.error += `; RESTORE FAILED (${back.errors[j] ?? 'no read-back'}): the backup is in ${o.backupFile}`;
      } else {
        o.restored = true;
        o.xml = back.readBack[j]!;
        o.error += '; the previous definition was restored';
      }
    });
  }
  return outcomes;
}

interface BatchResult {
  stale: Set<number>;
  readBack: string[];
  errors: (string | undefined)[];
  stderr: string;
}

async function runDefineBatch(ctx: TaskContext, uri: string, docs: { uuid: string; xml: string; planned?: string }[]): Promise<BatchResult> {
  const bufs = docs.map((d) => Buffer.from(d.xml, 'utf8'));
  const cmd = defineBatchCommand(
    uri,
    docs.map((d, i) => ({
      uuid: d.uuid,
      bytes: bufs[i]!.length,
      ...(d.planned !== undefined ? { sha256: dumpxmlSha256(d.planned) } : {}),
    })),
  );
  ctx.log(`virsh define of ${docs.length} guest(s) in one command`, 2);
  let r;
  try {
    r = await ctx.conn.exec(cmd, { stdin: Buffer.concat(bufs) });
  } catch (e) {
    // The remote batch may go on defining after the connection dropped: say which guests may
    // have changed (each is wholly old or wholly new: a define is atomic).
    if (e instanceof UnreachableError) {
      throw new UnreachableError(
        ctx.host,
        `${e.message.replace(`${ctx.host}: `, '')}; while defining ${docs.length} guest(s), some of which may now have the new definition (each one wholly old or wholly new): run again to converge`,
      );
    }
    throw e;
  }
  if (r.code === LOCK_BUSY) throw new TaskError(r.stderr.trim());
  if (!r.stdout.includes(`${MARK}-end`)) {
    throw new TaskError(`the define command did not complete (exit ${r.code}): ${r.stderr.trim() || 'no output'}`);
  }
  const stale = new Set(splitMarked(r.stdout).flatMap((sec) => (sec.kind === 'stale' && sec.arg !== undefined ? [Number(sec.arg)] : [])));
  return { stale, readBack: splitReadBack(r.stdout, docs.length), errors: defineErrors(r.stderr, docs.length), stderr: r.stderr.trim() };
}

function splitReadBack(stdout: string, n: number): string[] {
  const out: string[] = new Array(n).fill('');
  for (const sec of splitMarked(stdout)) if (sec.kind === 'readback' && sec.arg !== undefined) out[Number(sec.arg)] = sec.body;
  return out;
}

/** virsh prints "error: Failed to define domain from N.xml" then "error: <reason>". */
function defineErrors(stderr: string, n: number): (string | undefined)[] {
  const out: (string | undefined)[] = new Array(n).fill(undefined);
  const lines = stderr.split('\n');
  lines.forEach((line, i) => {
    const m = /Failed to define domain from (\d+)\.xml/.exec(line);
    if (!m) return;
    const reason = (lines[i + 1] ?? '').replace(/^error:\s*/, '').trim();
    out[Number(m[1])] = reason || line.replace(/^error:\s*/, '');
  });
  return out;
}
