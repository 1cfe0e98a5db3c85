/**
 * Planning alone, on synthetic facts: N guests (10 hosts, made from the domain corpus
 * test/fixtures/domains/defined/*.xml with new names, UUIDs and MACs) go through the three tasks of
 * playbooks/linux-virtio.yml (virtio_nic, virtio_disk, boot_disk) in check mode, through each
 * module's real run() from the built dist/: facts come from memory, the connection refuses any
 * command, so no I/O happens. Run as its own process by test/bench/run.ts; prints one JSON line:
 * CPU and wall seconds of the planning alone, and the process's peak RSS.
 *
 * Plain JavaScript run by plain Node, as the CLI runs: a TypeScript loader (tsx) would add
 * about 50 MB and its own module-loading CPU to what is measured.
 *
 *   node test/bench/plan-synthetic.mjs [GUESTS]
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CORPUS = join(ROOT, 'test/fixtures/domains/defined');
const HOSTS = 10;

/** @param {number} n */
function mac(n) {
  const b = [0x52, 0x54, 0x00, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * N guests' XML from the corpus, numbered from first + 1, each with its own name, UUID and MAC addresses.
 * @param {number} n
 * @param {number} [first]
 * @returns {{ uuid: string; name: string; running: boolean; inactiveXml: string }[]}
 */
export function syntheticGuests(n, first = 0) {
  const corpus = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => readFileSync(join(CORPUS, f), 'utf8'));
  let macs = first * 4;
  return Array.from({ length: n }, (_, i) => {
    const name = `guest${String(first + i + 1).padStart(5, '0')}`;
    const uuid = randomUUID();
    const xml = corpus[(first + i) % corpus.length]
      .replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`)
      .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuid}</uuid>`)
      .replace(/<mac address=(['"])[^'"]*\1/g, () => `<mac address='${mac(++macs)}'`);
    return { uuid, name, running: false, inactiveXml: xml };
  });
}

async function main() {
  const total = Number(process.argv[2] ?? 1000);
  const load = (/** @type {string} */ p) => import(join(ROOT, 'dist/modules/libvirt', p));
  const [{ virtioNic }, { virtioDisk }, { bootDisk }, { libvirtFacts }] = await Promise.all([
    load('virtio-nic.js'),
    load('virtio-disk.js'),
    load('boot-disk.js'),
    load('facts.js'),
  ]);
  // Each host's facts hold its guests; nothing else does, so a task's prediction replaces them
  // as in a real run (keeping the originals here too would double the trees kept).
  const per = Math.ceil(total / HOSTS);
  const hosts = Array.from({ length: Math.ceil(total / per) }, (_, h) => ({
    name: `synth${h + 1}`,
    facts: { uri: 'qemu:///session', guests: new Map(syntheticGuests(Math.min(per, total - h * per), h * per).map((g) => [g.name, g])) },
  }));
  const tasks = [
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
    const facts = h.facts;
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
      facts: (/** @type {unknown} */ src) => (src === libvirtFacts ? Promise.resolve(facts) : Promise.reject(new Error('unknown fact source'))),
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
