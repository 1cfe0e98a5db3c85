/**
 * The modules' plans (not just the model) against a real libvirt: every corpus domain, in both
 * forms, goes through virtio_nic + virtio_disk (all) + boot_disk (vda) exactly as
 * playbooks/linux-virtio.yml chains them, then virtio_rng, and is defined (`define --validate`: libvirt's RNG
 * schema and its own checks) on lab host lab4 under a fresh name and UUID, read back and
 * undefined: one virsh process for the whole batch. Every one must be accepted, read back equal,
 * and plan nothing on a second run.
 *
 * For comparison, virt-xml's own edit as users run it (`virt-xml DOMAIN --edit all --disk
 * bus=virtio --define`) on a defined copy of each domain; the table of where libvirt rejects
 * virt-xml's edit and accepts virtplay's is printed with t.comment. (test/integration/domain/
 * corpus-define.test.ts does the model-level conversion and virt-xml's per-target edit.)
 */
import { changeLine } from '../../../engine/change.js';
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { semanticDiff } from '../../helpers/domain-compare.js';
import { bootDiskSpec } from '../../../modules/libvirt/boot-disk.js';
import { virtioDiskSpec } from '../../../modules/libvirt/virtio-disk.js';
import { virtioNicSpec } from '../../../modules/libvirt/virtio-nic.js';
import { virtioRngSpec } from '../../../modules/libvirt/virtio-rng.js';
import { labHost, run, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { corpusCases, guestFacts } from '../../unit/modules/plan-helpers.js';

const HOST = 'lab4';
const MARK = '@@@vpmod';
const SYS = '/var/lib/virtplay-corpus/sys.qcow2';

/** The three tasks of playbooks/linux-virtio.yml, in order, then virtio_rng, on one parsed domain. */
function playbookPlan(xml: string): { xml: string; changes: string[] } {
  const dom = Domain.parse(xml);
  const changes: string[] = [];
  for (const step of [
    () => virtioNicSpec.plan(dom, {}, guestFacts(xml)),
    () => virtioDiskSpec.plan(dom, { disks: 'all' }, guestFacts(xml)),
    () => bootDiskSpec.plan(dom, { disk: 'vda' }, guestFacts(xml)),
    () => virtioRngSpec.plan(dom, {}, guestFacts(xml)),
  ]) {
    // each task plans on what the previous one left (as the fact cache carries it)
    changes.push(...step().map(changeLine));
  }
  return { xml: dom.toXml(), changes };
}

function renamed(xml: string, name: string, uuid: string): string {
  const dom = Domain.parse(xml);
  dom.name = name;
  dom.root.child('uuid')!.text = uuid;
  return dom.toXml();
}

interface BatchOut {
  readBack: Map<string, string>;
  errors: Map<string, string>;
}

/**
 * One virsh process for all docs: per doc `define` (optionally --validate), dumpxml --inactive,
 * and (unless keep) undefine. Files go to a folder the lab user can read.
 */
async function defineBatch(docs: { key: string; uuid: string; xml: string }[], opts: { keep?: boolean } = {}): Promise<BatchOut> {
  const dir = mkdtempSync(join(tmpdir(), 'vp-modcorpus-'));
  chmodSync(dir, 0o755);
  try {
    const parts = docs.map((d, i) => {
      const f = join(dir, `${i}.xml`);
      writeFileSync(f, d.xml, { mode: 0o644 });
      return `define --validate ${f}; echo ${MARK}-rb-${i}; dumpxml --inactive ${d.uuid}${opts.keep ? '' : `; undefine ${d.uuid}`}`;
    });
    const r = await virshAs(HOST, ['-q', `${parts.join('; ')}; echo ${MARK}-end`]);
    if (!r.stdout.includes(`${MARK}-end`)) throw new Error(`the batch did not complete (${r.code}): ${r.stderr}`);
    const readBack = new Map<string, string>();
    const sections = r.stdout.split(new RegExp(`${MARK}-rb-(\\d+)`));
    for (let i = 1; i < sections.length; i += 2) {
      const body = (sections[i + 1] ?? '').split(`${MARK}-`)[0]!.trim();
      if (body.startsWith('<domain')) readBack.set(docs[Number(sections[i])]!.key, body);
    }
    const errors = new Map<string, string>();
    const lines = r.stderr.split('\n');
    lines.forEach((line, i) => {
      const m = new RegExp(`Failed to define domain from ${dir}/(\\d+)\\.xml`).exec(line);
      if (m) errors.set(docs[Number(m[1])]!.key, (lines[i + 1] ?? line).replace(/^error:\s*/, '').trim());
    });
    return { readBack, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** virt-xml as the lab host's user, against its session libvirt. */
function virtXmlAs(args: string[]) {
  const h = labHost(HOST);
  const env = [`HOME=${h.home}`, `USER=${h.user}`, `LOGNAME=${h.user}`, 'PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', `XDG_RUNTIME_DIR=${h.runtimeDir}`];
  return run(['runuser', '-u', h.user, '--', 'env', '-i', ...env, 'virt-xml', '--connect', 'qemu:///session', ...args], { timeoutMs: 120_000 });
}

const cases = corpusCases();

t.before(async () => {
  // Only this file's own guests (vpmod-*, vpvx-*, vpvy-*): the lab's are not read, so no reset.
  await useLab(t, { fresh: false });
});

t.test(`every corpus domain, converted by the modules, is accepted by libvirt on ${HOST}`, async (t) => {
  const docs = cases.map((c) => {
    const uuid = randomUUID();
    const plan = playbookPlan(c.xml);
    return { key: c.label, uuid, xml: renamed(plan.xml, `vpmod-${c.slug}-${c.form}`, uuid), changes: plan.changes, c };
  });
  const started = Date.now();
  const out = await defineBatch(docs);
  t.comment(`${docs.length} defines + read-backs + undefines in one virsh process: ${Date.now() - started} ms`);

  for (const d of docs) {
    t.test(d.key, async (t) => {
      const err = out.errors.get(d.key);
      t.equal(err, undefined, `virsh define --validate accepts it${err ? `: ${err}` : ''}`);
      const back = out.readBack.get(d.key);
      t.ok(back, 'read back');
      if (!back) return;
      t.same(semanticDiff(d.xml, back), [], 'libvirt kept what was defined');
      const dom = Domain.parse(back);
      t.equal(dom.findDisk('vda')?.bus, 'virtio', 'has a virtio vda');
      t.ok(
        dom
          .disks()
          .filter((x) => x.device === 'disk')
          .every((x) => x.bus === 'virtio' && x.address?.type === 'pci'),
        'every disk on virtio with the PCI address libvirt gave it',
      );
      t.ok(
        dom.interfaces().every((i) => i.model === 'virtio'),
        'every NIC virtio',
      );
      t.same(
        dom.interfaces().map((i) => i.mac),
        Domain.parse(d.c.xml)
          .interfaces()
          .map((i) => i.mac),
        'MACs kept',
      );
      if (d.c.slug !== 'pc-ide-virtio-mixed-win7') t.equal(dom.bootDisk()?.sourcePath, SYS, 'boots from the system disk');
      t.same(playbookPlan(back).changes, [], 'the playbook plans nothing on what libvirt returned');
    });
  }
});

t.test(`virt-xml --edit all --disk bus=virtio --define vs virtplay (defined corpus, on ${HOST})`, async (t) => {
  const defined = cases.filter((c) => c.form === 'defined');
  const originals = defined.map((c) => {
    const uuid = randomUUID();
    return { key: c.slug, uuid, name: `vpvx-${c.slug}`, xml: renamed(c.xml, `vpvx-${c.slug}`, uuid), c };
  });
  // define the originals and keep them: virt-xml edits a real domain, as a user would
  const put = await defineBatch(originals, { keep: true });
  t.same([...put.errors], [], 'every original defines');
  try {
    const outcomes = await Promise.all(
      originals.map(async (o) => {
        const r = await virtXmlAs([o.name, '--edit', 'all', '--disk', 'bus=virtio', '--define']);
        const msg = `${r.stdout}\n${r.stderr}`
          .split('\n')
          .find((l) => /ERROR/.test(l))
          ?.replace(/^ERROR\s*/, '')
          .trim();
        return { o, ok: r.code === 0, msg: msg ?? (r.code === 0 ? '' : `exit ${r.code}`) };
      }),
    );
    const ours = await defineBatch(
      originals
        .map((o) => ({ key: o.key, uuid: randomUUID(), xml: '' }))
        .map((d, i) => {
          const plan = playbookPlan(originals[i]!.c.xml);
          return { ...d, xml: renamed(plan.xml, `vpvy-${d.key}`, d.uuid) };
        }),
    );
    const needed = originals.filter((o) =>
      Domain.parse(o.xml)
        .disks()
        .some((d) => d.bus !== 'virtio'),
    );
    const rows = outcomes.map(({ o, ok, msg }) => {
      const nonVirtio = Domain.parse(o.xml)
        .disks()
        .filter((d) => d.bus !== 'virtio')
        .map((d) => `${d.device === 'cdrom' ? 'cd:' : ''}${d.bus}/${d.target}`);
      const oursErr = ours.errors.get(o.key);
      return { slug: o.key, nonVirtio, virtXml: ok ? 'accepted' : `rejected: ${msg}`, ours: oursErr ? `rejected: ${oursErr}` : 'accepted', vxRejected: !ok };
    });
    const vxRejected = rows.filter((r) => r.vxRejected && r.nonVirtio.length > 0);
    t.comment(
      [
        `corpus: ${cases.length / 2} domains (${cases.length} XML documents with the virt-install forms), ${needed.length} with a non-virtio disk or drive`,
        `libvirt rejected virt-xml's --edit all --disk bus=virtio on ${vxRejected.length} of ${needed.length}; virtplay's playbook conversion on ${rows.filter((r) => r.ours !== 'accepted').length} of ${rows.length}`,
        '| domain | non-virtio disks (cd: CD-ROM) | virt-xml --edit all --disk bus=virtio --define | virtplay (nic+disk+boot) |',
        '|---|---|---|---|',
        ...rows.map((r) => `| ${r.slug} | ${r.nonVirtio.join(' ') || '-'} | ${r.virtXml} | ${r.ours} |`),
      ].join('\n'),
    );
    t.same(
      rows.filter((r) => r.ours !== 'accepted').map((r) => `${r.slug}: ${r.ours}`),
      [],
      'libvirt accepts every virtplay conversion',
    );
    t.ok(vxRejected.length > 0, "virt-xml's edit is rejected somewhere (the known stale drive address)");
    for (const r of vxRejected) t.ok(r.ours === 'accepted', `${r.slug}: virt-xml rejected, virtplay accepted`);
  } finally {
    await virshAs(HOST, ['-q', originals.map((o) => `undefine ${o.uuid}`).join('; ')]);
  }
});
