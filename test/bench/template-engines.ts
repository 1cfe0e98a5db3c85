/**
 * Templating cost, measured before choosing an engine (issue 13): the templates a task carries
 * (a path, a filtered list, a `when`, a default, a loop) rendered for N hosts, each host with its
 * own variables, through
 *   - virtplay's renderer (dist/engine/template: nunjucks with the Python value layer), and
 *   - minijinja-js (MiniJinja compiled to WebAssembly), templates registered once, the same
 *     variables passed per render (they are copied into WebAssembly at each call).
 * Both get the same inputs; the outputs are checked equal where both engines define them alike.
 * Prints one JSON line (microseconds per render, per engine, and the process's peak RSS).
 *
 *   node --import=tsx test/bench/template-engines.ts [HOSTS]
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Environment } from 'minijinja-js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

type Render = (s: string, vars: Record<string, unknown>) => unknown;
type Cond = (exprs: string[], vars: Record<string, unknown>) => boolean;

const TEMPLATES = [
  '{{ isos }}/virtio-win.iso',
  "{{ guests | select('match', '^win') | list }}",
  "{{ settings.disk.bus | default('virtio') }}",
  '{% for g in guests %}{{ g }}-{{ loop.index }} {% endfor %}',
  "{{ inventory_hostname ~ ':' ~ (guests | length) }}",
];
const WHEN = ["os_family == 'windows' and inventory_hostname in groups['kvm']"];

function hostVars(h: number, hosts: string[], withGroups: boolean): Record<string, unknown> {
  return {
    inventory_hostname: hosts[h],
    ansible_host: `10.0.${h >> 8}.${h & 255}`,
    group_names: ['kvm'],
    // Ansible's `groups`: every host's name, in every host's variables (copied per render into WebAssembly)
    groups: withGroups ? { all: hosts, kvm: hosts, ungrouped: [] } : { kvm: [hosts[h]] },
    isos: '/var/lib/libvirt/isos',
    os_family: h % 2 ? 'windows' : 'linux',
    guests: Array.from({ length: 10 }, (_, g) => (g % 3 ? `deb${g}` : `win${g}`)),
    settings: { disk: { bus: 'virtio', cache: 'none' }, nic: { model: 'virtio' } },
    ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`var_${i}`, `value ${i} of ${hosts[h]}`])),
  };
}

function time(label: string, hosts: number, fn: (h: number) => void): { label: string; usPerRender: number; msPer1000Hosts: number } {
  for (let h = 0; h < Math.min(hosts, 50); h++) fn(h); // warm-up: compile, JIT
  const t0 = performance.now();
  for (let h = 0; h < hosts; h++) fn(h);
  const ms = performance.now() - t0;
  const renders = hosts * (TEMPLATES.length + 1);
  return { label, usPerRender: (ms * 1000) / renders, msPer1000Hosts: (ms * 1000) / hosts };
}

async function scenario(n: number, withGroups: boolean) {
  const names = Array.from({ length: n }, (_, i) => `host${i + 1}`);
  const vars = names.map((_, h) => hostVars(h, names, withGroups));
  const render = (await import(join(ROOT, 'dist/engine/template/render.js'))) as { renderString: Render; evalCondition: Cond };

  const mj = new Environment();
  mj.enablePyCompat();
  mj.undefinedBehavior = 'strict';
  mj.addTest('match', (v: unknown, re: unknown) => new RegExp(String(re)).test(String(v)));
  TEMPLATES.forEach((t, i) => mj.addTemplate(`t${i}`, t));
  const mjWhen = `{{ ${WHEN[0]} }}`;
  mj.addTemplate('when', mjWhen);

  const ours = vars.map((v) => [...TEMPLATES.map((t) => String(render.renderString(t, v))), String(render.evalCondition(WHEN, v))]);
  const theirs = vars.map((v) => [...TEMPLATES.map((_, i) => mj.renderTemplate(`t${i}`, v)), mj.renderTemplate('when', v)]);
  // what both engines print alike: everything but the list (Python repr vs JSON-like) and the boolean (True vs true)
  for (let h = 0; h < n; h++) {
    for (const i of [0, 2, 3, 4]) {
      if (ours[h]![i] !== theirs[h]![i]) throw new Error(`engines disagree on template ${i} for host ${h}: ${ours[h]![i]} vs ${theirs[h]![i]}`);
    }
  }
  const results = [
    time('virtplay (nunjucks + Python value layer)', n, (h) => {
      for (const t of TEMPLATES) render.renderString(t, vars[h]!);
      render.evalCondition(WHEN, vars[h]!);
    }),
    time('minijinja-js (WebAssembly)', n, (h) => {
      for (let i = 0; i < TEMPLATES.length; i++) mj.renderTemplate(`t${i}`, vars[h]!);
      mj.renderTemplate('when', vars[h]!);
    }),
  ];
  return { vars: withGroups ? 'with groups (all host names)' : 'without groups', results, samples: { ours: ours[1], minijinja: theirs[1] } };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  const scenarios = [await scenario(n, true), await scenario(n, false)];
  console.log(JSON.stringify({ hosts: n, templatesPerHost: TEMPLATES.length + 1, scenarios, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

await main();
