/**
 * The offline conversion's commands on the KVM host: one bash script (a constant: nothing untrusted
 * is pasted into it) that takes its mode and paths as quoted arguments and its work list on stdin.
 * libguestfs runs in guestfish's remote-control mode (one appliance per call, any failing command
 * ends the script), hivex's tools edit the hives on the host.
 *   tools                      which of guestfish / hivexget / hivexregedit are missing (with packages)
 *   preflight DISK FMT ISO     read-only (safe on a running guest's disk): inspection of every root,
 *                              the ISO's file list
 *   inject DISK FMT ISO ROOT   read-write (the guest must be off): the work list from stdin, one
 *                              tab-separated operation per line (see injectSpec in windows-inject.ts)
 *   backup DISK BACKUP         copy the disk (sparse, reflink where the filesystem can) under a
 *                              temporary name, then rename: an existing BACKUP is always complete
 *   restore DISK BACKUP        the backup copied back over the disk, in place (same inode, owner, label)
 *   drop-backup BACKUP         delete it
 *   run DISK FMT ISO GUEST ARGV...   a user's command (offline_inject_command / offline_check_command)
 *                              with VIRTPLAY_DISK, VIRTPLAY_DISK_FORMAT, VIRTPLAY_ISO, VIRTPLAY_GUEST
 * backup, restore, inject and run hold a per-disk lock (flock, waiting up to 10 min): a step of a
 * killed run that is still ending finishes before the next run touches the disk, and the guestfish
 * server of a script that died (its SSH channel closed) is stopped by a watchdog.
 * Output lines that matter start with VIRTPLAY-; errors go to stderr with a non-zero status.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../engine/paths.js';
import { shJoin } from '../../../engine/shell.js';

/** The script's text, read once from offline.sh beside this module's source. */
export const OFFLINE_SCRIPT = readFileSync(join(packageRoot, 'modules', 'bootstrap', 'offline', 'offline.sh'), 'utf8');

function call(mode: string, args: string[]): string {
  return shJoin(['bash', '-c', OFFLINE_SCRIPT, 'virtplay-offline', mode, ...args]);
}

export const offlineToolsCommand = (): string => call('tools', []);
export const preflightCommand = (disk: string, format: string, iso: string): string => call('preflight', [disk, format, iso]);
/** The work list goes on stdin (injectSpecText). */
export const injectCommand = (disk: string, format: string, iso: string, root: string): string => call('inject', [disk, format, iso, root]);
export const backupCommand = (disk: string, backup: string): string => call('backup', [disk, backup]);
export const restoreCommand = (disk: string, backup: string): string => call('restore', [disk, backup]);
export const dropBackupCommand = (backup: string): string => call('drop-backup', [backup]);
/** A user's injection or check command (argv), with VIRTPLAY_DISK, VIRTPLAY_DISK_FORMAT, VIRTPLAY_ISO and VIRTPLAY_GUEST set. */
export const hookCommand = (disk: string, format: string, iso: string, guest: string, argv: string[]): string =>
  call('run', [disk, format, iso, guest, ...argv]);

/** Lines "VIRTPLAY-KIND rest" of the script's output. */
export function marked(stdout: string, kind: string): string[] {
  const p = `VIRTPLAY-${kind} `;
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(p) || l === `VIRTPLAY-${kind}`)
    .map((l) => l.slice(p.length));
}
