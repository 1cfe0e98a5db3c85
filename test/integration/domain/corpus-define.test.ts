/**
 * Every corpus domain, as libvirt returns it (defined/*.xml), converted by virtplay's model
 * (disks and NICs to virtio, unused disk controllers removed) must pass libvirt's RNG schema
 * (virt-xml-validate) AND `virsh define` on a real session libvirtd; read back, it must compare
 * equal to what was defined and a second conversion must find nothing to do.
 * For comparison, virt-xml's own `--edit target=X --disk bus=virtio` is applied to the same XML
 * and defined: the table of which libvirt rejects is printed (t.comment).
 *
 * Runs libvirt as an unprivileged user (CORPUS_USER, default vpcorpus, created when run as root).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { semanticDiff } from '../../helpers/domain-compare.js';
import { convertToVirtio, corpusNames, definedXml, disksToConvert, generatedXml } from '../../unit/domain/corpus.js';

const USER = process.env.CORPUS_USER ?? 'vpcorpus';
const URI = 'qemu:///session';
const isRoot = process.getuid?.() === 0;

function run(argv: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

const have = (cmd: string) => run(['sh', '-c', `command -v ${cmd}`]).code === 0;
const missing = ['virsh', 'virt-xml', 'virt-xml-validate', 'xmllint'].filter((c) => !have(c));

let runtimeDir = process.env.XDG_RUNTIME_DIR ?? '';
function setupUser(): void {
  if (!isRoot) return;
  if (run(['id', USER]).code !== 0) {
    run(['useradd', '-m', '-s', '/bin/bash', USER]);
    run(['usermod', '-p', '*', USER]);
  }
  const uid = Number(run(['id', '-u', USER]).stdout.trim());
  runtimeDir = `/run/user/${uid}`;
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  chownSync(runtimeDir, uid, uid);
}

/** argv run as the corpus user (directly when not root: the session daemon is then our own). */
function asUser(argv: string[], input?: string) {
  if (!isRoot) return run(argv, input);
  return run(['runuser', '-u', USER, '--', 'env', `XDG_RUNTIME_DIR=${runtimeDir}`, ...argv], input);
}

const virsh = (args: string[], input?: string) => asUser(['virsh', '-q', '-c', URI, ...args], input);

function undefineQuietly(uuid: string | undefined): void {
  if (uuid) virsh(['undefine', uuid]);
}

/** Define `xml`, read it back inactive, undefine. */
function defineRoundTrip(xml: string, uuid: string | undefined): { ok: boolean; error: string; readback: string } {
  undefineQuietly(uuid);
  // Node's stdio "pipes" are socketpairs, which /dev/stdin cannot be opened on (ENXIO): put a
  // real pipe in between, as an ssh channel would.
  const def = asUser(['sh', '-c', 'cat | virsh -q -c "$0" define /dev/stdin', URI], xml);
  if (def.code !== 0) return { ok: false, error: def.stderr.trim().replace(/\s+/g, ' '), readback: '' };
  const dump = virsh(['dumpxml', '--inactive', uuid ?? '']);
  undefineQuietly(uuid);
  return { ok: dump.code === 0, error: dump.stderr.trim(), readback: dump.stdout };
}

if (missing.length > 0) {
  t.plan(0, `skipped: needs ${missing.join(', ')} (libvirt-clients, virtinst, libxml2-utils)`);
} else {
  setupUser();
  const work = mkdtempSync(join(tmpdir(), 'vp-corpus-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));

  const table: string[] = [];
  let needed = 0;
  let virtXmlRejected = 0;
  let oursRejected = 0;

  for (const slug of corpusNames()) {
    t.test(slug, async (t) => {
      for (const [label, source] of [
        ['defined', definedXml(slug)],
        ['generated', generatedXml(slug)],
      ] as const) {
        const dom = Domain.parse(source);
        const conv = convertToVirtio(dom);
        const xml = dom.toXml();

        const file = join(work, `${slug}.${label}.xml`);
        writeFileSync(file, xml);
        const valid = run(['virt-xml-validate', file, 'domain']);
        t.equal(valid.code, 0, `${label}: virt-xml-validate accepts the converted XML ${valid.stderr}`);

        const rt = defineRoundTrip(xml, dom.uuid);
        t.ok(rt.ok, `${label}: virsh define accepts the converted XML ${rt.error}`);
        if (label === 'defined' && !rt.ok) oursRejected++;
        if (!rt.ok) continue;
        t.same(semanticDiff(xml, rt.readback), [], `${label}: read back equals what was defined`);
        const again = Domain.parse(rt.readback);
        const second = convertToVirtio(again);
        t.same(second.disks, [], `${label}: converting the read-back XML again moves no disk`);
        t.equal(second.nics, 0, `${label}: ... and no NIC`);
        t.same(
          second.removedControllers.map((c) => c.type),
          [],
          `${label}: ... and removes no controller`,
        );
        t.ok(
          conv.disks.every((d) => d.to?.startsWith('vd')),
          `${label}: converted disks are vdX`,
        );
      }

      // virt-xml's own edit of the same (defined) XML, one disk after the other
      const base = Domain.parse(definedXml(slug));
      const targets = disksToConvert(base).map((d) => d.target ?? '');
      if (targets.length === 0) {
        table.push(`| ${slug} | - | n/a (nothing to convert) | accepted |`);
        return;
      }
      needed++;
      let xml = definedXml(slug);
      let editError = '';
      for (const target of targets) {
        const r = asUser(['virt-xml', '--connect', URI, '--edit', `target=${target}`, '--disk', 'bus=virtio'], xml);
        if (r.code !== 0) {
          editError = r.stderr.trim().split('\n').pop() ?? 'virt-xml failed';
          break;
        }
        xml = r.stdout;
      }
      let verdict: string;
      if (editError) verdict = `virt-xml failed: ${editError}`;
      else {
        const rt = defineRoundTrip(xml, base.uuid);
        verdict = rt.ok ? 'accepted' : `rejected: ${rt.error.replace(/.*error: /, '')}`;
        if (!rt.ok) virtXmlRejected++;
      }
      table.push(`| ${slug} | ${targets.join(',')} | ${verdict} | accepted |`);
      t.pass(`virt-xml outcome recorded: ${verdict}`);
    });
  }

  t.test('virtplay metadata survives define and dumpxml --inactive', async (t) => {
    const dom = Domain.parse(definedXml('pc-ide-e1000-win2k8r2'));
    dom.setMetadataAttrs({ phase: 2, dummy: '/var/lib/virtplay/dummy ü.qcow2' });
    const rt = defineRoundTrip(dom.toXml(), dom.uuid);
    t.ok(rt.ok, rt.error);
    const back = Domain.parse(rt.readback);
    t.same(back.getMetadataAttrs(), { phase: '2', dummy: '/var/lib/virtplay/dummy ü.qcow2' });
    t.same(semanticDiff(dom, back), [], 'and the whole domain compares equal');
  });

  t.test('summary: virt-xml --edit --disk bus=virtio vs virtplay', async (t) => {
    t.comment(
      [
        `corpus: ${corpusNames().length} domains, ${needed} needing a disk conversion`,
        `libvirt rejected virt-xml's edit on ${virtXmlRejected} of ${needed}; virtplay's on ${oursRejected}`,
        '| domain | disks edited | virt-xml --edit --disk bus=virtio, then virsh define | virtplay |',
        '|---|---|---|---|',
        ...table.sort(),
      ].join('\n'),
    );
    t.equal(oursRejected, 0, 'libvirt accepts every virtplay conversion');
  });
}
