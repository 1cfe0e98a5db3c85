/** One invocation: load and validate everything, then list, check syntax, or run the playbooks. */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT, InterruptedError, OptionsError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import { selectHostsOrThrow } from '../inventory/patterns.js';
import { loadVarsDirs } from '../inventory/vars-dirs.js';
import { createRegistry, moduleSchemas } from '../module-registry.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook, Vars } from '../types.js';
import { parseExtraVars } from './extra-vars.js';
import { listHosts, listTasks } from './list.js';

export interface CliOptions {
  playbooks: string[];
  /** The playbooks as given on the command line (what ansible-playbook prints: "playbook: NAME"). */
  playbookArgs?: string[];
  inventory: string[];
  limit?: string;
  check: boolean;
  diff: boolean;
  forks: number;
  extraVars: string[];
  tags: string[];
  skipTags: string[];
  listHosts: boolean;
  listTasks: boolean;
  syntaxCheck: boolean;
  json: boolean;
  verbosity: number;
  user?: string;
  privateKey?: string;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
  connectTimeoutMs: number;
  runDir: string;
}

/** Connection variables are templated before use (e.g. "{{ inventory_dir }}/../keys/id"). */
const CONNECTION_VARS = ['ansible_host', 'ansible_port', 'ansible_user', 'ansible_ssh_private_key_file', 'ansible_connection', 'virtplay_known_hosts_file'];

export async function run(o: CliOptions): Promise<number> {
  // ansible-playbook's words and exit code (1).
  for (const p of o.playbooks) if (!existsSync(p)) throw new OptionsError(`the playbook: ${p} could not be found`, EXIT.ERROR);
  const checked = moduleSchemas();
  const extraVars = parseExtraVars(o.extraVars);
  const inventory = await loadInventory(o.inventory.length > 0 ? o.inventory : ['localhost,']);
  const playbooks: Playbook[] = [];
  for (const file of o.playbooks) playbooks.push(await loadPlaybook(file, { moduleSchemas: checked.schemas, moduleNames: checked.names }));
  // group_vars/ and host_vars/ beside the playbook(s), as Ansible reads them.
  for (const dir of new Set(o.playbooks.map((p) => dirname(p)))) await loadVarsDirs(dir, inventory, 'playbook');
  const limitHosts = o.limit === undefined ? undefined : new Set(selectHostsOrThrow(inventory, o.limit));
  const tags = { tags: o.tags, skipTags: o.skipTags };

  const shown = (i: number): string => o.playbookArgs?.[i] ?? playbooks[i]!.file;
  if (o.syntaxCheck) {
    playbooks.forEach((_pb, i) => process.stdout.write(`\nplaybook: ${shown(i)}\n`));
    return EXIT.OK;
  }
  if (o.listHosts || o.listTasks) {
    playbooks.forEach((pb, i) =>
      process.stdout.write(o.listHosts ? listHosts(pb, shown(i), inventory, limitHosts, extraVars) : listTasks(pb, shown(i), tags, extraVars)),
    );
    return EXIT.OK;
  }

  // A run: only now the modules and the run's machinery are loaded (a check or a listing needs neither).
  const [{ allModules }, { openConnection }, { createReporter }, { secretValues }, { hostVars }, { runPlaybook }, { renderValue }] = await Promise.all([
    import('../../modules/index.js'),
    import('../connection/open.js'),
    import('../report/create.js'),
    import('../report/redact.js'),
    import('../inventory/host-vars.js'),
    import('../runner/run-playbook.js'),
    import('../template/render.js'),
  ]);
  const registry = createRegistry(allModules, checked);
  const renderConnectionVars = (vars: Vars): Vars => {
    const out: Vars = { ...vars };
    for (const k of CONNECTION_VARS) {
      if (out[k] !== undefined) out[k] = renderValue(out[k], vars, { task: `connection variable ${k}` });
    }
    return out;
  };
  const tty = Boolean(process.stdout.isTTY) && !o.json;
  // Values of secret-named variables (passwords, passphrases, tokens) are masked in every output,
  // even before a result would reveal them.
  const secrets = [...new Set([extraVars, ...[...inventory.hosts.keys()].map((h) => hostVars(inventory, h))].flatMap((v) => secretValues(v)))];
  const reporter = await createReporter({
    secrets,
    json: o.json,
    tty,
    verbosity: o.verbosity,
    diff: o.diff,
    check: o.check,
    color: tty && !process.env.NO_COLOR,
    out: o.json ? process.stderr : process.stdout,
  });
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    abort.abort();
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED);
    process.stderr.write('\n[interrupted: finishing the commands under way; press Ctrl-C again to stop at once]\n');
  };
  process.on('SIGINT', onSigint);
  try {
    let exitCode: number = EXIT.OK;
    for (const pb of playbooks) {
      const summary = await runPlaybook({
        inventory,
        playbook: pb,
        limitHosts,
        forks: o.forks,
        check: o.check,
        diff: o.diff,
        verbosity: o.verbosity,
        extraVars: { ...extraVars, playbook_dir: dirname(pb.file) },
        tags,
        modules: registry.modules,
        reporter,
        runDir: o.runDir,
        connect: (host, vars) => openConnection(host, renderConnectionVars(vars), connectOptions(o)),
        signal: abort.signal,
      });
      await reporter.finish(summary);
      exitCode = Math.max(exitCode, summary.exitCode);
      if (abort.signal.aborted) throw new InterruptedError('interrupted by the user');
      if (summary.exitCode !== EXIT.OK) break;
    }
    return exitCode;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function connectOptions(o: CliOptions) {
  return {
    acceptNewHostKeys: o.acceptNewHostKeys,
    knownHostsFile: o.knownHosts,
    connectTimeoutMs: o.connectTimeoutMs,
    privateKeyFile: o.privateKey,
    user: o.user,
  };
}
