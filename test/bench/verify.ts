/**
 * Checks on the real lab (virsh as each host's own user, not what a tool reports) that every
 * guest is converted: every NIC model virtio, every hard disk on the virtio bus with a vdX target
 * and no IDE drive address, and the guest boots from vda (<os><boot dev='hd'/> with vda its first
 * disk, or boot order 1 on vda). One virsh process per host, hosts in parallel.
 */
import { labGuestNames, virshAs, type LabHost } from '../lab/lab.js';

export interface Verdict {
  guests: number;
  converted: number;
  problems: string[];
}

export async function verifyConverted(hosts: readonly LabHost[]): Promise<Verdict> {
  const names = labGuestNames();
  const perHost = await Promise.all(
    hosts.map(async (h) => {
      const res = await virshAs(h.name, [names.map((n) => `dumpxml --inactive ${n}`).join('; ')]);
      if (res.code !== 0) return names.map((n) => `${h.name}/${n}: virsh failed: ${res.stderr.trim()}`);
      const docs = res.stdout.split('</domain>').slice(0, -1);
      if (docs.length !== names.length) return [`${h.name}: ${docs.length} domain XMLs for ${names.length} guests`];
      return docs.flatMap((xml, i) => guestProblems(xml).map((p) => `${h.name}/${names[i]}: ${p}`));
    }),
  );
  const problems = perHost.flat();
  const bad = new Set(problems.map((p) => p.split(':')[0]));
  const guests = hosts.length * names.length;
  return { guests, converted: guests - bad.size, problems };
}

export function guestProblems(xml: string): string[] {
  const problems: string[] = [];
  for (const nic of xml.match(/<interface\b[\s\S]*?<\/interface>/g) ?? []) {
    const model = /<model type=['"]([^'"]+)['"]/.exec(nic)?.[1];
    if (model !== 'virtio') problems.push(`NIC model ${model ?? '(none)'}`);
  }
  const disks = (xml.match(/<disk\b[^>]*>[\s\S]*?<\/disk>/g) ?? []).filter((d) => /device=['"]disk['"]/.test(d));
  if (disks.length === 0) problems.push('no hard disk');
  const targets = disks.map((d) => {
    const t = /<target\b[^>]*>/.exec(d)?.[0] ?? '';
    const dev = /dev=['"]([^'"]+)['"]/.exec(t)?.[1];
    const bus = /bus=['"]([^'"]+)['"]/.exec(t)?.[1];
    if (bus !== 'virtio' || !dev?.startsWith('vd')) problems.push(`disk ${dev}: bus ${bus}`);
    if (/<address type=['"]drive['"]/.test(d)) problems.push(`disk ${dev}: still has a drive address`);
    return { dev, bootOrder: /<boot order=['"](\d+)['"]/.exec(d)?.[1], first: false };
  });
  const vda = targets.find((t) => t.dev === 'vda');
  const osHd = /<os>[\s\S]*?<boot dev=['"]hd['"][\s\S]*?<\/os>/.test(xml);
  if (!vda) problems.push('no vda');
  else if (!(vda.bootOrder === '1' || (osHd && targets[0]?.dev === 'vda'))) problems.push('does not boot from vda');
  return problems;
}
