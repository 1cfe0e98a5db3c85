/**
 * Runs a playbook text through runPlaybook with test modules and a fake transport (no SSH, no
 * libvirt): the runner's own behaviour, seen through the plain reporter's text and the JSON
 * reporter's document at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../../engine/connection/types.js';
import { loadInventory } from '../../engine/inventory/load.js';
import type { ModuleDef } from '../../engine/module.js';
import { loadPlaybookSource } from '../../engine/playbook/load.js';
import { sourceFromText } from '../../engine/playbook/source.js';
import { JsonReporter, type JsonDocument } from '../../engine/report/json.js';
import { PlainReporter } from '../../engine/report/plain.js';
import type { Reporter } from '../../engine/report/reporter.js';
import { runPlaybook } from '../../engine/runner/run-playbook.js';
import type { Vars } from '../../engine/types.js';

export interface FakeModule {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  def: ModuleDef<any>;
  schema: object;
}

export interface FakePlayOptions {
  modules: FakeModule[];
  /** Inventory host names (default h1, h2). */
  hosts?: string[];
  /** YAML lines under the first host (indented 6 spaces), e.g. its vars. */
  firstHostVars?: string;
  forks?: number;
  check?: boolean;
  diff?: boolean;
  verbosity?: number;
}

export interface FakePlayResult {
  code: number;
  /** The plain reporter's output. */
  text: string;
  doc: JsonDocument;
  /** Each connection opened: the host and the ansible_connection it was opened with. */
  connects: Vars[];
  transport: Record<string, unknown>;
}

export async function fakePlay(yaml: string, o: FakePlayOptions): Promise<FakePlayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vp-fake-play-'));
  const invFile = join(dir, 'hosts.yml');
  const [first, ...rest] = o.hosts ?? ['h1', 'h2'];
  writeFileSync(invFile, `all:\n  hosts:\n    ${first}:\n${o.firstHostVars ?? ''}${rest.map((h) => `    ${h}:\n`).join('')}`);
  const inventory = await loadInventory([invFile]);
  const names = o.modules.map((m) => m.def.name);
  const playbook = await loadPlaybookSource(sourceFromText(yaml, join(dir, 'play.yml')), {
    moduleSchemas: new Map(o.modules.map((m) => [m.def.name, m.schema])),
    moduleNames: names,
  });
  let json = '';
  let text = '';
  const sink = (add: (s: string) => void) => ({ write: (s: string) => (add(s), true) }) as unknown as NodeJS.WritableStream;
  const base = { verbosity: o.verbosity ?? 0, diff: o.diff ?? false, check: o.check ?? false, color: false };
  const jsonRep = new JsonReporter({ ...base, out: sink(() => {}), jsonOut: sink((s) => (json += s)) });
  const plain = new PlainReporter({ ...base, out: sink((s) => (text += s)) });
  const both: Reporter = {
    playStart: async (p) => {
      await jsonRep.playStart(p);
      await plain.playStart(p);
    },
    taskStart: async (x) => {
      await jsonRep.taskStart(x);
      await plain.taskStart(x);
    },
    hostResult: async (x, r) => {
      await jsonRep.hostResult(x, r);
      await plain.hostResult(x, r);
    },
    taskEnd: async (x) => {
      await jsonRep.taskEnd(x);
      await plain.taskEnd(x);
    },
    warning: (m, h) => {
      jsonRep.warning(m, h);
      plain.warning(m, h);
    },
    verbose: (m, l, h) => {
      jsonRep.verbose(m, l, h);
      plain.verbose(m, l, h);
    },
    progress: (x, h, g, text) => plain.progress(x, h, g, text),
    finish: async (s) => {
      await jsonRep.finish(s);
      await plain.finish(s);
    },
  };
  const connects: Vars[] = [];
  const summary = await runPlaybook({
    inventory,
    playbook,
    forks: o.forks ?? 5,
    check: o.check ?? false,
    diff: o.diff ?? false,
    verbosity: o.verbosity ?? 0,
    extraVars: {},
    tags: { tags: [], skipTags: [] },
    modules: new Map(o.modules.map((m) => [m.def.name, m.def as ModuleDef])),
    reporter: both,
    runDir: dir,
    connect: async (host, vars) => {
      connects.push({ host, ansible_connection: vars.ansible_connection });
      return {
        exec: async () => ({ code: 0, stdout: '', stderr: '' }),
        close: async () => {},
        stats: { connections: 1, commands: 0, reconnects: 0 },
      } as unknown as Connection;
    },
  });
  await both.finish(summary);
  return { code: summary.exitCode, text, doc: JSON.parse(json) as JsonDocument, connects, transport: summary.transport };
}
