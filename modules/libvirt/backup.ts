/**
 * Local backups of guest definitions: before any change, the current inactive XML of the guest
 * is written under the run folder, one file per host, guest and time (mode 0600: the XML is
 * dumped with --security-info and may hold passwords).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function safeFileName(s: string): string {
  const cleaned = s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 80);
  return cleaned === '' ? '_' : cleaned;
}

export async function backupGuestXml(runDir: string, host: string, guest: string, uuid: string, xml: string): Promise<string> {
  const dir = join(runDir, 'backups', safeFileName(host));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${safeFileName(guest)}.${uuid.slice(0, 8)}.${stamp}.xml`);
  await writeFile(file, xml, { mode: 0o600, flag: 'wx' });
  return file;
}
