/**
 * What the reliability tests share: fixtures, stack-trace detection, throw-away lab guests. Runs
 * go through the shared runner (test/helpers/virtplay-cli.ts).
 */
import { join } from 'node:path';
import { originalGuestXml, virshAs } from '../../lab/lab.js';
import { ROOT } from '../../helpers/virtplay-cli.js';

export { ROOT, virtplay, type CliRun as CliResult } from '../../helpers/virtplay-cli.js';

/** A file of test/fixtures/bad-input/. */
export function fx(name: string): string {
  return join(ROOT, 'test', 'fixtures', 'bad-input', name);
}

/** Lines that betray a stack trace or an unexpected (internal) error. */
export function stackTraceLines(text: string): string[] {
  return text.split('\n').filter((l) => /^\s{4}at \S/.test(l) || /internal error/i.test(l) || /^\w*Error: /.test(l) || /node:internal/.test(l));
}

// Whitespace other than a space as character references: an XML parser turns a literal newline
// or tab in an attribute value into a space (attribute-value normalization).
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };
export const xmlEscape = (s: string): string => s.replace(/[&<>'"\n\r\t]/g, (c) => ESC[c]!);

/**
 * A guest made from lab guest deb02 as lab-up.sh defined it (pc machine, IDE disk hda, empty
 * IDE CD-ROM hdb, e1000 NIC): new name, libvirt picks a new UUID and MAC; the disk source
 * replaced by `disk` (null: no disk at all).
 */
export function labGuestXml(host: string, name: string, disk: string | null): string {
  let xml = originalGuestXml(host, 'deb02')
    .replace(/<name>[^<]*<\/name>/, `<name>${xmlEscape(name)}</name>`)
    .replace(/\s*<uuid>[^<]*<\/uuid>/, '')
    .replace(/\s*<mac address='[^']*'\/>/, '');
  const diskEl = /\s*<disk type='file' device='disk'>[\s\S]*?<\/disk>/;
  if (disk === null) xml = xml.replace(diskEl, '');
  else xml = xml.replace(/<source file='[^']*'\/>/, `<source file='${xmlEscape(disk)}'/>`);
  return xml;
}

/** Defines a guest on a lab host (virsh define as the host's user); throws on failure. */
export async function defineLabGuest(host: string, xml: string): Promise<void> {
  const r = await virshAs(host, ['define', '/dev/stdin'], xml);
  if (r.code !== 0) throw new Error(`virsh define on ${host} failed: ${r.stderr.trim()}`);
}

/** Undefines a guest if it exists (ignores "no such domain"). */
export async function undefineLabGuest(host: string, name: string): Promise<void> {
  await virshAs(host, ['undefine', name]);
}
