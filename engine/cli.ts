#!/usr/bin/env node
/**
 * virtplay PLAYBOOK -i INVENTORY [options]: the command line, shaped like ansible-playbook.
 * The one place that turns errors into exit codes (README "Exit codes").
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT, OptionsError, VirtplayError } from './errors.js';
import { packageRoot } from './paths.js';
import type { CliOptions } from './cli/run.js';

const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
const collect = (v: string, acc: string[]) => [...acc, v];
const count = (_: string, n: number) => n + 1;

function program(): Command {
  return new Command('virtplay')
    .description('Run a playbook that declares how libvirt guests should look, over SSH, against an inventory of hosts.')
    .argument('<playbook...>', 'playbook file(s), run in order')
    .option('-i, --inventory <path>', 'inventory file, directory or comma-separated host list (repeatable)', collect, [])
    .option('-l, --limit <pattern>', "limit to hosts matching the pattern ('a:b', 'g:!x', 'g:&y', globs, @file)")
    .option('-C, --check', 'plan only: change nothing, report what would change', false)
    .option('-D, --diff', 'show the changes (domain XML diffs)', false)
    .addOption(new Option('-f, --forks <n>', 'hosts handled in parallel').default(50).argParser(positiveInt('--forks')))
    .option('-e, --extra-vars <vars>', 'key=value pairs, a JSON/YAML mapping, or @file (repeatable)', collect, [])
    .option('-t, --tags <tags>', 'run only tasks with these tags (comma-separated, repeatable)', collect, [])
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma-separated, repeatable)', collect, [])
    .option('--list-hosts', 'list the hosts each play would run on, then exit', false)
    .option('--list-tasks', 'list the tasks that would run, then exit', false)
    .option('--syntax-check', 'check the playbook and inventory, then exit', false)
    .option('--json', 'print one JSON document with every result on stdout (human output off)', false)
    .option('-v, --verbose', 'more output (-vv, -vvv for more)', count, 0)
    .option('-u, --user <user>', 'remote user, where the inventory sets none')
    .option('--private-key <file>', 'SSH private key file, where the inventory sets none')
    .option('--known-hosts <file>', 'known_hosts file (default ~/.ssh/known_hosts)')
    .option(
      '--accept-new-host-keys',
      "accept and record the key of a host not yet in known_hosts (OpenSSH's StrictHostKeyChecking=accept-new); a changed key is always refused",
      false,
    )
    .addOption(new Option('-T, --timeout <seconds>', 'SSH connect timeout').default(10).argParser(positiveInt('--timeout')))
    .option('--run-dir <dir>', 'folder for this run (XML backups); default $XDG_STATE_HOME/virtplay/runs/<time>')
    .version(version, '--version')
    .showHelpAfterError('(run virtplay --help for the options)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    // A usage error, 2, as ansible-playbook's argparse gives.
    if (!Number.isInteger(n) || n < 1) throw new OptionsError(`${name} must be a positive integer, got ${JSON.stringify(v)}`, EXIT.USAGE);
    return n;
  };
}

function defaultRunDir(): string {
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'virtplay', 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
}

async function main(argv: string[]): Promise<number> {
  const cmd = program();
  try {
    cmd.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.OK : EXIT.USAGE;
    }
    throw e;
  }
  const o = cmd.opts();
  const split = (xs: string[]) =>
    xs
      .flatMap((x) => x.split(','))
      .map((x) => x.trim())
      .filter(Boolean);
  const opts: CliOptions = {
    playbooks: cmd.args.map((p) => resolve(p)),
    playbookArgs: [...cmd.args],
    inventory: o.inventory as string[],
    limit: o.limit as string | undefined,
    check: Boolean(o.check),
    diff: Boolean(o.diff),
    forks: o.forks as number,
    extraVars: o.extraVars as string[],
    tags: split(o.tags as string[]),
    skipTags: split(o.skipTags as string[]),
    listHosts: Boolean(o.listHosts),
    listTasks: Boolean(o.listTasks),
    syntaxCheck: Boolean(o.syntaxCheck),
    json: Boolean(o.json),
    verbosity: o.verbose as number,
    user: o.user as string | undefined,
    privateKey: o.privateKey as string | undefined,
    knownHosts: o.knownHosts as string | undefined,
    acceptNewHostKeys: Boolean(o.acceptNewHostKeys),
    connectTimeoutMs: (o.timeout as number) * 1000,
    runDir: resolve((o.runDir as string | undefined) ?? defaultRunDir()),
  };
  // Loaded only now: --version and --help need none of the engine (about 0.17 s of imports).
  const { run } = await import('./cli/run.js');
  return run(opts);
}

function report(err: unknown, verbosity: number): number {
  if (err instanceof VirtplayError) {
    process.stderr.write(`ERROR! ${err.message}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`ERROR! internal error: ${e.message}\n`);
  if (verbosity >= 3 && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('(run with -vvv for the stack trace, and please report it)\n');
  return EXIT.INTERNAL;
}

const verbosity = process.argv.filter((a) => /^-v+$/.test(a)).reduce((n, a) => n + a.length - 1, 0);
/** Exit only once stdout and stderr are flushed: on a pipe, process.exit() would cut a long --json document. */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main(process.argv).then(
  (code) => exitAfterFlush(code),
  (err) => exitAfterFlush(report(err, verbosity)),
);
