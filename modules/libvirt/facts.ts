/** Libvirt facts of one host: every guest's inactive (and, when running, live) XML, in one command. */
import { TaskError } from '../../engine/errors.js';
import type { FactSource } from '../../engine/module.js';
import { retryRead } from '../../engine/retry.js';
import { decodeEntities } from './domain/xml-io.js';
import { gatherFactsCommand, MARK, splitMarked } from './virsh.js';

export interface GuestFacts {
  uuid: string;
  name: string;
  running: boolean;
  /** `virsh dumpxml --inactive --security-info`: the persistent definition virtplay edits. */
  inactiveXml: string;
  /** The running configuration, present when the guest runs. */
  liveXml?: string;
}

export interface LibvirtFacts {
  uri: string;
  /** Guests by name, in the order libvirt lists them. */
  guests: Map<string, GuestFacts>;
}

export function libvirtUri(vars: Record<string, unknown>): string {
  const uri = vars.libvirt_uri;
  return typeof uri === 'string' && uri !== '' ? uri : 'qemu:///system';
}

export const libvirtFacts: FactSource<LibvirtFacts> = {
  id: 'libvirt',
  async gather({ vars, conn }) {
    const uri = libvirtUri(vars);
    // Read-only, so safe to repeat when an established connection dropped.
    const r = await retryRead(() => conn.exec(gatherFactsCommand(uri)));
    if (r.code !== 0 || !r.stdout.includes(`${MARK}-end`)) throw factsError(uri, r.code, r.stderr);
    return parseFacts(uri, r.stdout);
  },
};

function factsError(uri: string, code: number | null, stderr: string): TaskError {
  const detail = stderr.trim().split('\n').filter(Boolean).slice(-2).join('; ') || `exit status ${code}`;
  if (code === 127) return new TaskError(`virsh is not installed on the host (${detail})`);
  if (/permission denied/i.test(stderr)) return new TaskError(`permission denied reading libvirt at ${uri}: ${detail}`);
  return new TaskError(`libvirt at ${uri} does not answer: ${detail}`);
}

/** Parse the marker-separated output of gatherFactsCommand. Exported for tests on recorded output. */
export function parseFacts(uri: string, stdout: string): LibvirtFacts {
  const inactive = new Map<string, string>();
  const live = new Map<string, string>();
  for (const sec of splitMarked(stdout)) {
    // An empty body: the guest vanished between list and dumpxml.
    if (!sec.arg || sec.body === '') continue;
    if (sec.kind === 'inactive') inactive.set(sec.arg, sec.body);
    else if (sec.kind === 'live') live.set(sec.arg, sec.body);
  }
  const guests = new Map<string, GuestFacts>();
  for (const [uuid, xml] of inactive) {
    const name = domainName(xml);
    const liveXml = live.get(uuid);
    guests.set(name, { uuid, name, running: liveXml !== undefined, inactiveXml: xml, ...(liveXml ? { liveXml } : {}) });
  }
  return { uri, guests };
}

/**
 * libvirt formats `<name>` as the first child of `<domain>` (virDomainDefFormat), so the name is
 * read there without parsing every guest at gather time (a guest is parsed once, when a task
 * plans on it: parsed.ts); its text is decoded as the XML reader decodes it.
 */
const NAME_RE = /^\s*(?:<\?xml[^>]*\?>\s*)?<domain\b[^>]*>\s*<name>([^<]*)<\/name>/;

function domainName(xml: string): string {
  const m = NAME_RE.exec(xml);
  if (!m?.[1]) throw new TaskError('libvirt returned a domain XML that does not begin with <domain><name>');
  return decodeEntities(m[1]);
}
