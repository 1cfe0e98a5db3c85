/**
 * Every virsh command line virtplay runs lives here. Each function returns one POSIX shell
 * command line for Connection.exec; untrusted values (URIs, names, paths) go through shq(),
 * guests are addressed by UUID (hex and dashes only, checked), and XML travels on stdin.
 */
import { createHash } from 'node:crypto';
import { shJoin, shq } from '../../engine/shell.js';

/** Marker lines that split the output of a batched command. */
export const MARK = '@@@virtplay';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(uuid: string): string {
  if (!UUID_RE.test(uuid)) throw new Error(`not a UUID: ${JSON.stringify(uuid)}`);
  return uuid;
}

function virsh(uri: string): string {
  return `LC_ALL=C virsh -q -c ${shq(uri)}`;
}

/**
 * Facts of every guest of a host in ONE remote command: the UUIDs of all guests and of the
 * running ones, then each guest's inactive XML (with --security-info, so that a define never
 * drops a VNC password) and, for running guests, the live XML. Two virsh processes in total (each
 * costs a start and a libvirt connection, about 50 ms on the lab): one lists, one dumps. virsh
 * runs a `;`-separated list of commands in one process and stops at the first that fails.
 */
export function gatherFactsCommand(uri: string): string {
  const v = virsh(uri);
  return [
    'command -v virsh >/dev/null 2>&1 || { echo "virsh: command not found" >&2; exit 127; }',
    `lists=$(${v} "list --all --uuid; echo ${MARK}-running; list --uuid") || exit $?`,
    // virsh's echo may not end its line: everything before the marker is "all", after it "running".
    `all=\${lists%%${MARK}-running*}`,
    `run=\${lists#*${MARK}-running}`,
    `cmd="echo ${MARK}-begin"`,
    `for u in $all; do cmd="$cmd; echo ${MARK}-inactive $u; dumpxml --inactive --security-info $u"; done`,
    `for u in $run; do cmd="$cmd; echo ${MARK}-live $u; dumpxml --security-info $u"; done`,
    `${v} "$cmd; echo ${MARK}-end"`,
  ].join('\n');
}

/** Exit status of a batch that could not take the host's virtplay lock in time (EX_TEMPFAIL). */
export const LOCK_BUSY = 75;

/**
 * Define several guests in one remote command. The XML documents arrive concatenated on stdin;
 * `head -c` splits them into a private temporary folder. Under the host's virtplay lock (flock on
 * a per-user file: two runs never apply at the same time), each guest whose current definition
 * still hashes to what the plan was made from (`sha256`, of `virsh dumpxml --inactive
 * --security-info` output) is defined; one that changed since it was read is left alone and
 * reported stale (no lost update). One virsh process defines them all and reads each back.
 * Output: per guest a marker line then the read-back XML, or a stale marker; virsh's errors name
 * the file (`N.xml`), which maps them back to the guest.
 * No `define --validate`: libvirt's RNG schema refuses some paths its parser and QEMU accept (a
 * newline in a file name), and the read-back check (plan again on what libvirt kept) already
 * catches anything libvirt dropped; define itself still rejects what libvirt cannot use.
 */
export function defineBatchCommand(uri: string, items: { uuid: string; bytes: number; sha256?: string }[], lockWaitSec = 120): string {
  const v = virsh(uri);
  const lines = [
    'umask 077',
    't=$(mktemp -d) || exit 1',
    `trap 'rm -rf "$t"' EXIT`,
    'cd "$t" || exit 1',
    ...items.map((it, i) => `head -c ${Math.trunc(it.bytes)} > ${i}.xml`),
    'lock="${XDG_RUNTIME_DIR:-/tmp}/virtplay-$(id -u).lock"',
    `if command -v flock >/dev/null 2>&1; then exec 9>>"$lock" && flock -w ${Math.trunc(lockWaitSec)} 9 || { echo "another virtplay run has held $lock for over ${Math.trunc(lockWaitSec)} s" >&2; exit ${LOCK_BUSY}; }; fi`,
  ];
  const checked = items.flatMap((it, i) => (it.sha256 === undefined ? [] : [i]));
  if (checked.length > 0) {
    // Every checked guest's current definition in ONE virsh process, split into N.cur files
    // (virsh's echo does not end its line: the marker may precede the XML on the same line).
    const dumps = checked.map((i) => `echo ${MARK}-cur ${i}; dumpxml --inactive --security-info ${checkUuid(items[i]!.uuid)}`).join('; ');
    lines.push(`${v} "${dumps}" 2>/dev/null | awk -v M='${MARK}-cur ' '${SPLIT_AWK}'`);
    // One sha256sum for every current definition ("HASH  N.cur" lines; a guest that vanished
    // has no file and no line), matched by the shell itself: no process per guest.
    lines.push(`nl=$(printf '\\n.'); nl=\${nl%.}`, `sums="\${nl}$(sha256sum ${checked.map((i) => `${i}.cur`).join(' ')} 2>/dev/null)\${nl}"`);
  }
  lines.push('c=""');
  items.forEach((it, i) => {
    const uuid = checkUuid(it.uuid);
    const step = `c="$c define ${i}.xml; echo ${MARK}-readback ${i}; dumpxml --inactive --security-info ${uuid};"`;
    if (it.sha256 === undefined) lines.push(step);
    else {
      if (!/^[0-9a-f]{64}$/.test(it.sha256)) throw new Error('sha256 must be 64 hex digits');
      lines.push(`case "$sums" in *"\${nl}${it.sha256}  ${i}.cur\${nl}"*) ${step} ;; *) echo "${MARK}-stale ${i}" ;; esac`);
    }
  });
  lines.push(`if [ -n "$c" ]; then ${v} "$c echo ${MARK}-end"; else echo "${MARK}-end"; fi`);
  return lines.join('\n');
}

/** awk (mawk or gawk): lines after "<M>N" go to N.cur, the rest of the marker's line included. */
const SPLIT_AWK =
  '{ line = $0; while ((i = index(line, M)) > 0) { rest = substr(line, i + length(M)); match(rest, /^[0-9]+/); ' +
  'f = substr(rest, 1, RLENGTH) ".cur"; line = substr(rest, RLENGTH + 1) }; if (f != "") print line > f }';

export function startCommand(uri: string, uuid: string): string {
  return `${virsh(uri)} start ${checkUuid(uuid)}`;
}

/**
 * ACPI power button (graceful). `--mode acpi`: without a mode, libvirt asks the guest agent first
 * when the guest has one, and `virsh shutdown` then blocks for up to 60 s when the guest ignores
 * it (the agent never answers a shutdown), far past the caller's shutdown_timeout.
 */
export function shutdownCommand(uri: string, uuid: string): string {
  return `${virsh(uri)} shutdown --mode acpi ${checkUuid(uuid)}`;
}

/** Hard power off. */
export function destroyCommand(uri: string, uuid: string): string {
  return `${virsh(uri)} destroy ${checkUuid(uuid)}`;
}

export function domstateCommand(uri: string, uuid: string): string {
  return `${virsh(uri)} domstate ${checkUuid(uuid)}`;
}

/** A QMP guest-agent command (JSON on argv is fine: it is one quoted argument, not shell code). */
export function agentCommand(uri: string, uuid: string, json: string, timeoutSec = 5): string {
  return `${virsh(uri)} qemu-agent-command --timeout ${Math.trunc(timeoutSec)} ${checkUuid(uuid)} ${shq(json)}`;
}

/** The running configuration of one guest. */
export function liveXmlCommand(uri: string, uuid: string): string {
  return `${virsh(uri)} dumpxml --security-info ${checkUuid(uuid)}`;
}

/** Hot-plug one device into the running guest only (the definition already has it); its XML on stdin. */
export function attachDeviceLiveCommand(uri: string, uuid: string): string {
  return `${virsh(uri)} attach-device ${checkUuid(uuid)} /dev/stdin --live`;
}

/** Put a medium into a running guest's CD-ROM drive (inserted, or replacing what is in). */
export function changeMediaLiveCommand(uri: string, uuid: string, target: string, path: string): string {
  return `${virsh(uri)} change-media ${checkUuid(uuid)} ${shq(target)} ${shq(path)} --update --live`;
}

/** Change what a running guest does on reboot or crash (the definition is changed by a define). */
export function setLifecycleLiveCommand(uri: string, uuid: string, type: 'reboot' | 'crash', action: 'destroy' | 'restart'): string {
  return `${virsh(uri)} set-lifecycle-action ${checkUuid(uuid)} ${type} ${action} --live`;
}

/** Create a qcow2 image only if no file is there (set -C: the shell's noclobber test, then qemu-img). */
export function createImageCommand(path: string, sizeBytes: number, format = 'qcow2'): string {
  return [
    `if [ -e ${shq(path)} ]; then echo "exists: refusing to overwrite" >&2; exit 17; fi`,
    `command -v qemu-img >/dev/null 2>&1 || { echo "qemu-img: command not found" >&2; exit 127; }`,
    shJoin(['qemu-img', 'create', '-q', '-f', format, path, String(Math.trunc(sizeBytes))]),
  ].join('\n');
}

export function removeFileCommand(path: string): string {
  return shJoin(['rm', '-f', '--', path]);
}

/**
 * What the define batch's stale check compares with `sha256sum` of `virsh dumpxml --inactive
 * --security-info` (defineBatchCommand): the document as the facts keep it, which splitMarked
 * trims, plus the one newline virsh prints after it. Both halves of that contract live here.
 */
export function dumpxmlSha256(trimmedXml: string): string {
  return createHash('sha256').update(`${trimmedXml}\n`).digest('hex');
}

export interface MarkedSection {
  kind: string;
  arg?: string;
  /** Text up to the next marker, trimmed (dumpxmlSha256 puts back virsh's final newline). */
  body: string;
}

/**
 * Split batched virsh output at the marker lines. virsh's `echo` in a command string does not
 * always end its line, so markers are found anywhere, not only at line starts.
 */
export function splitMarked(stdout: string): MarkedSection[] {
  const re = new RegExp(`${MARK}-([a-z]+)(?: ([0-9a-fA-F]{8}-[0-9a-fA-F-]{27}|\\d+))?`, 'g');
  const marks = [...stdout.matchAll(re)];
  return marks.map((m, i) => {
    const from = (m.index ?? 0) + m[0].length;
    const to = marks[i + 1]?.index ?? stdout.length;
    return { kind: m[1]!, ...(m[2] !== undefined ? { arg: m[2] } : {}), body: stdout.slice(from, to).trim() };
  });
}
