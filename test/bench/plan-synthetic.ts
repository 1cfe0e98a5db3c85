/**
 * Planning alone, on synthetic facts: 1,000 guests (10 hosts x 100, made from the domain corpus
 * test/fixtures/domains/defined/*.xml with new names, UUIDs and MACs) go through the three tasks of
 * playbooks/linux-virtio.yml (virtio_nic, virtio_disk, boot_disk) in check mode, through each
 * module's real run() from the built dist/: facts come from memory, the connection refuses any
 * command, so no I/O happens. Run as its own process (test/bench/run.ts spawns it); prints one
 * JSON line: CPU and wall seconds of the planning alone, and the process's peak RSS.
 *
 *   node test/bench/plan-synthetic.ts-as-built...   (run.ts: node --import=tsx plan-synthetic.ts [GUESTS])
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CORPUS = join(ROOT, 'test/fixtures/domains/defined');
const HOSTS = 10;

interface GuestFacts {
  uuid: string;
  name: string;
  running: boolean;
  inactiveXml: string;
}
interface Facts {
  uri: string;
  guests: Map<string, GuestFacts>;
}
interface Module {
  name: string;
  run(ctx: unknown, args: unknown): Promise<{ changed: boolean; failed?: boolean; msg?: string; guests?: { changes: string[] }[] }>;
}

function mac(n: number): string {
  const b = [0x52, 0x54, 0x00, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** N guests' XML from the corpus, each with its own name, UUID and MAC addresses. */
export function syntheticGuests(n: number): GuestFacts[] {
  const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.xml')).sort().map((f) => readFileSync(join(CORPUS, f), 'utf8'));
  let macs = 0;
  return Array.from({ length: n }, (_, i) => {
    const name = `guest${String(i + 1).padStart(4, '0')}`;
    const uuid = randomUUID();
    const xml = corpus[i % corpus.length]!
      .replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`)
      .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuid}</uuid>`)
      .replace(/<mac address=(['"])[^'"]*\1/g, () => `<mac address='${mac(++macs)}'`);
    return { uuid, name, running: false, inactiveXml: xml };
  });
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1000);
  const load = (p: string) => import(join(ROOT, 'dist/modules/libvirt', p));
  const [{ virtioNic }, { virtioDisk }, { bootDisk }, { libvirtFacts }] = (await Promise.all([load('virtio-nic.js'), load('virtio-disk.js'), load('boot-disk.js'), load('facts.js')])) as [
    { virtioNic: Module },
    { virtioDisk: Module },
    { bootDisk: Module },
    { libvirtFacts: unknown },
  ];
  const guests = syntheticGuests(total);
  const per = Math.ceil(total / HOSTS);
  const hosts = Array.from({ length: HOSTS }, (_, h) => ({ name: `synth${h + 1}`, guests: guests.slice(h * per, (h + 1) * per) })).filter((h) => h.guests.length > 0);
  const tasks: [Module, Record<string, unknown>][] = [
    [virtioNic, { guests: '*', driver_ready: true }],
    // driver_ready: most corpus domains are labelled Windows; planned all the way, as before the guard
    [virtioDisk, { guests: '*', disks: 'all', driver_ready: true }],
    [bootDisk, { guests: '*', disk: 'vda', restart: 'never', shutdown_timeout: 120, driver_ready: true }],
  ];
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let changes = 0;
  let failed = 0;
  for (const h of hosts) {
    const facts: Facts = { uri: 'qemu:///session', guests: new Map(h.guests.map((g) => [g.name, g])) };
    const ctx = {
      host: h.name,
      vars: {},
      conn: {
        host: h.name,
        stats: { connections: 0, commands: 0 },
        exec: () => Promise.reject(new Error('plan-synthetic: no I/O allowed')),
        close: () => Promise.resolve(),
      },
      check: true,
      diff: false,
      verbosity: 0,
      runDir: '/nonexistent',
      facts: (src: unknown) => (src === libvirtFacts ? Promise.resolve(facts) : Promise.reject(new Error('unknown fact source'))),
      setFacts: () => {},
      invalidateFacts: () => {},
      warn: () => {},
      log: () => {},
    };
    for (const [mod, args] of tasks) {
      const r = await mod.run(ctx, args);
      if (r.failed) failed++;
      for (const g of r.guests ?? []) changes += g.changes.length;
    }
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      guests: total,
      hosts: hosts.length,
      changes,
      failedTasks: failed,
      cpuS: (cpu.user + cpu.system) / 1e6,
      wallS,
      rssBeforeMb: rssBefore / 2 ** 20,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
    }),
  );
}

await main();
