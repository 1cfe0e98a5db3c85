/**
 * Semantic comparison of domain XML, for tests: equal when libvirt would run the same guest, so
 * that `dumpxml --inactive` of a defined domain compares equal to the XML that was defined, and a
 * module's output can be checked against what libvirt kept.
 *
 * Two layers:
 *  1. normalizeForCompare(dom), one side alone: whitespace, comments, attribute order and quote
 *     style vanish; `<alias>` and `<seclabel>` are dropped; memory sizes are converted to KiB;
 *     graphics ports that autoport makes meaningless are dropped; controller indexes libvirt would
 *     assign are filled in.
 *  2. semanticDiff(a, b), the pair: things libvirt fills in by itself count only when BOTH sides
 *     have them (see FILL_ELEMENTS / FILL_ATTRS): device addresses, the CPU model TCG gets,
 *     on_poweroff/on_reboot/on_crash, the emulator path, the PS/2 inputs, memballoon, audio, the
 *     serial port behind a console, implicit controllers (PCI roots and ports, the machine's
 *     built-in IDE/SATA controller, a USB controller when none is listed, a disk controller some
 *     disk of the other side needs, virtio-serial behind a virtio channel), 'pc' vs
 *     'pc-i440fx-7.2'... When both sides have such a thing, a difference in it is a difference.
 * Device kinds are compared as groups (libvirt regroups devices by kind); within a kind, order
 * counts, except disks (matched by target name: libvirt sorts them), controllers (by type and
 * index) and inputs (by type and bus).
 */
import { Domain } from '../../modules/libvirt/domain/domain.js';
import type { XElement } from '../../modules/libvirt/domain/xml-node.js';
import { isBuiltinController, machineFamily } from '../../modules/libvirt/domain/machine.js';

/** True when `a` and `b` name the same machine, alias vs expanded ('pc' ~ 'pc-i440fx-7.2'). */
export function sameMachine(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const alias = (m: string) => (m === 'pc' ? 'i440fx' : m === 'q35' ? 'q35' : undefined);
  const fa = alias(a);
  const fb = alias(b);
  if (fa !== undefined && fb === undefined) return machineFamily(b) === fa;
  if (fb !== undefined && fa === undefined) return machineFamily(a) === fb;
  return false;
}

/** A canonical element: no comments, trimmed text, attributes by name. */
export interface CNode {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: CNode[];
}

// --- layer 1: one side ----------------------------------------------------------------------------

export function normalizeForCompare(input: Domain | string): CNode {
  const dom = typeof input === 'string' ? Domain.parse(input) : input;
  const root = toCanonical(dom.root);
  delete root.attrs.id; // live XML only
  dropNamed(root, 'seclabel');
  const devices = root.children.find((c) => c.name === 'devices');
  if (devices) for (const d of devices.children) dropNamed(d, 'alias');
  for (const c of root.children) {
    if (c.name === 'memory' || c.name === 'currentMemory' || c.name === 'maxMemory') toKiB(c);
  }
  if (devices) {
    for (const g of devices.children.filter((c) => c.name === 'graphics' && c.attrs.autoport === 'yes')) {
      for (const a of ['port', 'tlsPort', 'websocket']) delete g.attrs[a];
    }
    fillControllerIndexes(devices.children.filter((c) => c.name === 'controller'));
  }
  return root;
}

function toCanonical(el: XElement): CNode {
  const attrs: Record<string, string> = {};
  for (const k of Object.keys(el.attrs).sort()) attrs[k] = el.attrs[k] ?? '';
  return { name: el.name, attrs, text: el.text.trim(), children: el.elements().map(toCanonical) };
}

function dropNamed(node: CNode, name: string): void {
  node.children = node.children.filter((c) => c.name !== name);
  for (const c of node.children) dropNamed(c, name);
}

const UNIT_FACTORS: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  k: 1,
  kib: 1,
  kb: 1000 / 1024,
  m: 1024,
  mib: 1024,
  mb: 1e6 / 1024,
  g: 1024 ** 2,
  gib: 1024 ** 2,
  gb: 1e9 / 1024,
  t: 1024 ** 3,
  tib: 1024 ** 3,
  tb: 1e12 / 1024,
};

function toKiB(node: CNode): void {
  const factor = UNIT_FACTORS[(node.attrs.unit ?? 'KiB').toLowerCase()];
  const n = Number(node.text);
  if (factor === undefined || !Number.isFinite(n)) return;
  node.text = String(Math.round(n * factor));
  node.attrs.unit = 'KiB';
}

/** libvirt numbers controllers itself when `index` is absent; do the same so both sides match. */
function fillControllerIndexes(ctrls: CNode[]): void {
  const taken = new Map<string, Set<number>>();
  for (const c of ctrls) {
    if (c.attrs.index === undefined) continue;
    const t = c.attrs.type ?? '';
    if (!taken.has(t)) taken.set(t, new Set());
    taken.get(t)?.add(Number(c.attrs.index));
  }
  let lastUsbMaster: string | undefined;
  for (const c of ctrls) {
    const t = c.attrs.type ?? '';
    const isCompanion = t === 'usb' && c.children.some((k) => k.name === 'master');
    if (c.attrs.index === undefined) {
      if (isCompanion && lastUsbMaster !== undefined) {
        c.attrs.index = lastUsbMaster;
      } else {
        const set = taken.get(t) ?? new Set<number>();
        taken.set(t, set);
        let i = 0;
        while (set.has(i)) i++;
        set.add(i);
        c.attrs.index = String(i);
      }
    }
    if (t === 'usb' && !isCompanion) lastUsbMaster = c.attrs.index;
  }
}

// --- layer 2: the pair ----------------------------------------------------------------------------

type FillRule = (node: CNode, other: CNode) => boolean;

const always: FillRule = () => true;

/** Elements libvirt adds by itself: counted only when both sides have them. Keyed by path. */
const FILL_ELEMENTS: Record<string, FillRule> = {
  'domain/uuid': always,
  'domain/cpu': always,
  'domain/on_poweroff': always,
  'domain/on_reboot': always,
  'domain/on_crash': always,
  'domain/resource': always,
  'domain/devices/emulator': always,
  'domain/devices/*/address': always,
  'domain/devices/graphics/listen': always,
  'domain/devices/audio': always,
  'domain/devices/console/target': always,
  'domain/devices/serial/target': always,
  'domain/devices/controller/model': always,
  'domain/devices/controller/target': always,
  'domain/devices/interface/mac': always,
  // a unix channel's socket path is generated at start; the inactive XML drops <source mode='bind'/>
  'domain/devices/channel/source': (n) => n.attrs.path === undefined,
  // an empty CD-ROM drive gets the default driver
  'domain/devices/disk/driver': (n) => Object.entries(n.attrs).every(([k, v]) => (k === 'name' && v === 'qemu') || (k === 'type' && v === 'raw')),
  'domain/devices/memballoon': (n) => n.attrs.model === 'virtio',
  'domain/devices/input': (n) => n.attrs.bus === 'ps2',
  'domain/devices/serial': (_n, other) => devicesOf(other).some((d) => d.name === 'console'),
  'domain/devices/console': (_n, other) => devicesOf(other).some((d) => d.name === 'serial'),
  'domain/devices/video': (_n, other) => devicesOf(other).some((d) => d.name === 'graphics'),
  'domain/devices/controller': implicitController,
};

/** Attributes libvirt fills in by itself: counted only when both sides have them. */
const FILL_ATTRS: Record<string, string[]> = {
  'domain/os/type': ['arch'],
  'domain/vcpu': ['placement'],
  'domain/features/hyperv': ['mode'],
  'domain/cpu': ['check', 'migratable'],
  'domain/cpu/model': ['fallback'],
  'domain/devices/controller': ['model', 'ports'],
  'domain/devices/disk/target': ['bus'],
  'domain/devices/video/model': ['ram', 'vram', 'vgamem', 'heads', 'primary'],
  'domain/devices/graphics': ['listen'],
};

function devicesOf(root: CNode): CNode[] {
  return root.children.find((c) => c.name === 'devices')?.children ?? [];
}

function machineOf(root: CNode): string | undefined {
  return root.children.find((c) => c.name === 'os')?.children.find((c) => c.name === 'type')?.attrs.machine;
}

/** Would libvirt add this controller back to `other` by itself? */
function implicitController(node: CNode, other: CNode): boolean {
  const type = node.attrs.type;
  const index = Number(node.attrs.index ?? 0);
  const devs = devicesOf(other);
  if (type === 'pci') return true; // roots always; ports and bridges as addressing needs them
  if (isBuiltinController(machineFamily(machineOf(other)), type, index)) return true;
  if (type === 'usb') return index === 0 && !devs.some((d) => d.name === 'controller' && d.attrs.type === 'usb');
  if (type === 'virtio-serial') {
    return devs.some((d) => (d.name === 'channel' || d.name === 'console') && d.children.some((t) => t.name === 'target' && t.attrs.type === 'virtio'));
  }
  if (type === 'ide' || type === 'sata' || type === 'scsi' || type === 'fdc') {
    return devs.some((d) => {
      if (d.name !== 'disk' && d.name !== 'hostdev') return false;
      const bus = d.name === 'hostdev' ? 'scsi' : d.children.find((t) => t.name === 'target')?.attrs.bus;
      if (bus !== type) return false;
      const addr = d.children.find((a) => a.name === 'address');
      return addr?.attrs.type !== 'drive' || Number(addr.attrs.controller ?? 0) === index;
    });
  }
  return false;
}

function matchRule<T>(table: Record<string, T>, path: string): T | undefined {
  const direct = table[path];
  if (direct !== undefined) return direct;
  const parts = path.split('/');
  for (const [pattern, rule] of Object.entries(table)) {
    const pp = pattern.split('/');
    if (pp.length === parts.length && pp.every((p, i) => p === '*' || p === parts[i])) return rule;
  }
  return undefined;
}

/** How children of one name are paired: by a key, or (undefined) by position. */
function childKey(path: string, node: CNode): string | undefined {
  // libvirt keeps disks sorted by bus and target name, whatever order they were defined in
  if (path === 'domain/devices/disk') return node.children.find((c) => c.name === 'target')?.attrs.dev;
  if (path === 'domain/devices/controller') return `${node.attrs.type}:${node.attrs.index}`;
  if (path === 'domain/devices/input') return `${node.attrs.type}:${node.attrs.bus}`;
  return undefined;
}

interface Ctx {
  rootA: CNode;
  rootB: CNode;
  diffs: string[];
}

function compareNodes(a: CNode, b: CNode, path: string, label: string, ctx: Ctx): void {
  const fillAttrs = matchRule(FILL_ATTRS, path) ?? [];
  const keys = new Set([...Object.keys(a.attrs), ...Object.keys(b.attrs)]);
  for (const k of [...keys].sort()) {
    const va = a.attrs[k];
    const vb = b.attrs[k];
    if (va === vb) continue;
    if ((va === undefined || vb === undefined) && fillAttrs.includes(k)) continue;
    if (path === 'domain/os/type' && k === 'machine' && sameMachine(va, vb)) continue;
    ctx.diffs.push(`${label}/@${k}: ${show(va)} != ${show(vb)}`);
  }
  if (a.text !== b.text) ctx.diffs.push(`${label}: text ${show(a.text)} != ${show(b.text)}`);

  const names: string[] = [];
  for (const c of [...a.children, ...b.children]) if (!names.includes(c.name)) names.push(c.name);
  for (const name of names) {
    const cpath = `${path}/${name}`;
    const la = a.children.filter((c) => c.name === name);
    const lb = b.children.filter((c) => c.name === name);
    const pairs: [CNode | undefined, CNode | undefined, string][] = [];
    if (la.some((c) => childKey(cpath, c) !== undefined)) {
      const keyed = (list: CNode[]) => {
        const seen = new Map<string, number>();
        return list.map((c) => {
          const k = childKey(cpath, c) ?? '';
          const n = seen.get(k) ?? 0;
          seen.set(k, n + 1);
          return [`${k}#${n}`, c] as const;
        });
      };
      const ka = keyed(la);
      const kb = new Map(keyed(lb));
      for (const [k, c] of ka) {
        pairs.push([c, kb.get(k), `${label}/${name}[${k}]`]);
        kb.delete(k);
      }
      for (const [k, c] of kb) pairs.push([undefined, c, `${label}/${name}[${k}]`]);
    } else {
      for (let i = 0; i < Math.max(la.length, lb.length); i++) pairs.push([la[i], lb[i], `${label}/${name}[${i + 1}]`]);
    }
    for (const [ca, cb, clabel] of pairs) {
      if (ca && cb) compareNodes(ca, cb, cpath, clabel, ctx);
      else if (ca) {
        if (!matchRule(FILL_ELEMENTS, cpath)?.(ca, ctx.rootB)) ctx.diffs.push(`${clabel}: only in the first`);
      } else if (cb) {
        if (!matchRule(FILL_ELEMENTS, cpath)?.(cb, ctx.rootA)) ctx.diffs.push(`${clabel}: only in the second`);
      }
    }
  }
}

function show(v: string | undefined): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

/** The differences that matter between two domains, one line each; empty when semantically equal. */
export function semanticDiff(a: Domain | string, b: Domain | string): string[] {
  const ctx: Ctx = { rootA: normalizeForCompare(a), rootB: normalizeForCompare(b), diffs: [] };
  if (ctx.rootA.name !== ctx.rootB.name) return [`root: <${ctx.rootA.name}> != <${ctx.rootB.name}>`];
  compareNodes(ctx.rootA, ctx.rootB, ctx.rootA.name, ctx.rootA.name, ctx);
  return ctx.diffs;
}

export function semanticEqual(a: Domain | string, b: Domain | string): boolean {
  return semanticDiff(a, b).length === 0;
}
