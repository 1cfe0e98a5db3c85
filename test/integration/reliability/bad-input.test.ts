/**
 * The bad-input suite (issue 5, item 1): every way a user can hand virtplay a bad playbook,
 * inventory, vars file or option, and the runtime failures on the real lab. Each case runs the
 * real CLI and asserts the exact exit code, the exact file:line:col (or the host and guest), that
 * the message says what was expected, and that no stack trace or "internal error" appears.
 *
 * Static cases run against an inventory whose only host nothing listens for: a case that must
 * exit 6 (or 5) would exit 4 if virtplay had tried to connect before refusing the input.
 */
import t, { type Test } from 'tap';
import { EXIT } from '../../../engine/errors.js';
import { useLab } from '../../lab/use-lab.js';
import { defineLabGuest, fx, labGuestXml, stackTraceLines, undefineLabGuest, virtplay, type CliResult } from './virtplay-cli.js';

interface Case {
  id: string;
  args: string[];
  code: number;
  /** The message must contain `${file}:${line}:${col}: ` (or `${file}: ` without a line). */
  at?: { file: string; line?: number; col?: number };
  /** Runtime: the failing host as the result line names it ([lab4]) and the guest. */
  host?: string;
  guest?: string;
  /** What was expected / what is wrong, as the message must say it. */
  says: RegExp;
  env?: NodeJS.ProcessEnv;
  /** Needs the lab (and its lock: it defines guests of its own on lab4). */
  lab?: boolean;
}

const NOWHERE = ['-i', fx('inv-unconnectable.yml')];
const pb = (name: string, ...more: string[]): string[] => [fx(name), ...NOWHERE, ...more];
const inv = (name: string): string[] => [fx('pb-good.yml'), '-i', fx(name), '--list-hosts'];
const KNOWN = /known modules: .*virtio_nic.*boot_disk|boot_disk.*virtio_nic/;
const LAB = ['-i', fx('inv-lab.yml')];

const cases: Case[] = [
  // YAML syntax (playbook)
  {
    id: 'tab indentation',
    args: pb('pb-tab-indent.yml'),
    code: 6,
    at: { file: fx('pb-tab-indent.yml'), line: 4, col: 1 },
    says: /Tabs are not allowed as indentation/,
  },
  {
    id: 'unclosed quote',
    args: pb('pb-unclosed-quote.yml'),
    code: 6,
    at: { file: fx('pb-unclosed-quote.yml'), line: 5, col: 14 },
    says: /Missing closing "quote.*never closed/,
  },
  {
    id: 'bad indentation',
    args: pb('pb-bad-indent.yml'),
    code: 6,
    at: { file: fx('pb-bad-indent.yml'), line: 6, col: 1 },
    says: /mapping items must start at the same column/,
  },
  {
    id: 'duplicate play key',
    args: pb('pb-duplicate-key.yml'),
    code: 6,
    at: { file: fx('pb-duplicate-key.yml'), line: 4, col: 3 },
    says: /duplicate key 'hosts' \(first defined at line 2, column 3\)/,
  },
  {
    id: 'duplicate module argument',
    args: pb('pb-duplicate-arg.yml'),
    code: 6,
    at: { file: fx('pb-duplicate-arg.yml'), line: 7, col: 9 },
    says: /duplicate key 'guests' \(first defined at line 5, column 9\)/,
  },
  {
    id: 'playbook not a list',
    args: pb('pb-not-a-list.yml'),
    code: 6,
    at: { file: fx('pb-not-a-list.yml'), line: 2, col: 1 },
    says: /the playbook must be a list, got mapping/,
  },
  // playbook schema
  {
    id: 'unknown play key',
    args: pb('pb-unknown-play-key.yml'),
    code: 6,
    at: { file: fx('pb-unknown-play-key.yml'), line: 3, col: 3 },
    says: /unknown key 'taskz' in play #1; expected one of: .*tasks.*did you mean 'tasks'/,
  },
  {
    id: 'play without hosts',
    args: pb('pb-no-hosts.yml'),
    code: 6,
    at: { file: fx('pb-no-hosts.yml'), line: 2, col: 3 },
    says: /missing required key 'hosts' in play 'nowhere'/,
  },
  {
    id: 'hosts of wrong type',
    args: pb('pb-hosts-type.yml'),
    code: 6,
    at: { file: fx('pb-hosts-type.yml'), line: 2, col: 10 },
    says: /'hosts' in play #1 must be a string or a list, got mapping/,
  },
  {
    id: 'task with two modules',
    args: pb('pb-two-modules.yml'),
    code: 6,
    at: { file: fx('pb-two-modules.yml'), line: 6, col: 7 },
    says: /task 'two' has more than one module \('debug' and 'fail'\)/,
  },
  {
    id: 'task without module',
    args: pb('pb-no-module.yml'),
    code: 6,
    at: { file: fx('pb-no-module.yml'), line: 4, col: 7 },
    says: /task 'does nothing' has no module; expected exactly one of: .*virtio_nic/,
  },
  {
    id: 'when of wrong type',
    args: pb('pb-when-type.yml'),
    code: 6,
    at: { file: fx('pb-when-type.yml'), line: 6, col: 13 },
    says: /'when' in task 'w' must be a string, a boolean \(true\/false\) or a list, got mapping/,
  },
  {
    id: 'loop of wrong type',
    args: pb('pb-loop-type.yml'),
    code: 6,
    at: { file: fx('pb-loop-type.yml'), line: 6, col: 13 },
    says: /'loop' of task 'l' must be a list or a template that gives one, got 5/,
  },
  {
    id: 'tags of wrong type',
    args: pb('pb-tags-type.yml'),
    code: 6,
    at: { file: fx('pb-tags-type.yml'), line: 6, col: 13 },
    says: /'tags' in task 't' must be a string or a list, got mapping/,
  },
  {
    id: 'unknown module argument',
    args: pb('pb-unknown-arg.yml'),
    code: 6,
    at: { file: fx('pb-unknown-arg.yml'), line: 7, col: 9 },
    says: /unknown argument 'colour' for module virtio_nic; expected one of: guests, .*model/,
  },
  {
    id: 'argument of wrong type',
    args: pb('pb-arg-type.yml'),
    code: 6,
    at: { file: fx('pb-arg-type.yml'), line: 7, col: 27 },
    says: /'shutdown_timeout' for module virtio_nic must be an integer, got list/,
  },
  {
    id: 'missing required argument',
    args: pb('pb-missing-arg.yml'),
    code: 6,
    at: { file: fx('pb-missing-arg.yml'), line: 6, col: 9 },
    says: /missing required argument 'disk' for module boot_disk \(in task 'boot'\)/,
  },
  {
    id: 'enum violation (restart)',
    args: pb('pb-enum.yml'),
    code: 6,
    at: { file: fx('pb-enum.yml'), line: 7, col: 18 },
    says: /'restart' for module virtio_nic must be one of: never, if_needed; got 'sometimes'/,
  },
  {
    id: 'enum violation (cdrom state)',
    args: pb('pb-enum-cdrom.yml'),
    code: 6,
    at: { file: fx('pb-enum-cdrom.yml'), line: 8, col: 16 },
    says: /'state' for module cdrom must be one of: present, ejected, absent; got 'mounted'/,
  },
  {
    id: 'misspelt module',
    args: pb('pb-unknown-module-typo.yml'),
    code: 6,
    at: { file: fx('pb-unknown-module-typo.yml'), line: 5, col: 7 },
    says: /unknown module 'virtio_nik' \(did you mean virtio_nic\?\)/,
  },
  {
    id: 'unknown module',
    args: pb('pb-unknown-module.yml'),
    code: 6,
    at: { file: fx('pb-unknown-module.yml'), line: 5, col: 7 },
    says: new RegExp(`unknown module 'frobnicate'; ${KNOWN.source}`),
  },
  {
    id: 'notify without handler',
    args: pb('pb-notify.yml'),
    code: 6,
    at: { file: fx('pb-notify.yml'), line: 6, col: 15 },
    says: /notifies 'restart guests', but the play has no handler of that name/,
  },
  {
    id: 'vars_files missing',
    args: pb('pb-vars-file-missing.yml'),
    code: 6,
    at: { file: fx('pb-vars-file-missing.yml'), line: 4, col: 7 },
    says: /vars file 'vars-missing.yml': file not found/,
  },
  {
    id: 'vars_files YAML error',
    args: pb('pb-vars-file-bad.yml'),
    code: 6,
    at: { file: fx('vars-bad-yaml.yml'), line: 3, col: 9 },
    says: /flow sequence '\[' that starts here is never closed/,
  },
  // templates
  {
    id: 'template syntax error',
    args: pb('pb-template-syntax.yml'),
    code: 6,
    at: { file: fx('pb-template-syntax.yml'), line: 6, col: 14 },
    says: /template syntax error: expected symbol/,
  },
  {
    id: 'template syntax error in when',
    args: pb('pb-template-when.yml'),
    code: 6,
    at: { file: fx('pb-template-when.yml'), line: 6, col: 13 },
    says: /template syntax error: .*in the 'when' of task 'say'/,
  },
  {
    id: 'undefined variable',
    args: [fx('pb-undefined-var.yml'), '-i', 'localhost,'],
    code: 2,
    at: { file: fx('pb-undefined-var.yml'), line: 7, col: 14 },
    host: 'localhost',
    says: /undefined variable 'virtio_iso' in task 'show the iso'/,
  },
  // YAML inventories
  {
    id: 'inventory hosts as a list',
    args: inv('inv-hosts-list.yml'),
    code: 6,
    at: { file: fx('inv-hosts-list.yml'), line: 4, col: 5 },
    says: /hosts of group 'all' must be a mapping of host names, got a list/,
  },
  {
    id: 'inventory unknown group key',
    args: inv('inv-unknown-key.yml'),
    code: 6,
    at: { file: fx('inv-unknown-key.yml'), line: 5, col: 7 },
    says: /group 'lab' has an unexpected key 'hostz' \(expected one of: hosts, vars, children\)/,
  },
  {
    id: 'inventory vars as a list',
    args: inv('inv-vars-list.yml'),
    code: 6,
    at: { file: fx('inv-vars-list.yml'), line: 6, col: 5 },
    says: /vars of group 'lab' must be a mapping/,
  },
  { id: 'inventory YAML syntax', args: inv('inv-syntax.yml'), code: 6, at: { file: fx('inv-syntax.yml'), line: 5, col: 21 }, says: /Missing closing "quote/ },
  {
    id: 'inventory duplicate host',
    args: inv('inv-duplicate.yml'),
    code: 6,
    at: { file: fx('inv-duplicate.yml'), line: 5, col: 5 },
    says: /duplicate key 'lab1' \(first defined at line 4, column 5\)/,
  },
  { id: 'YAML group cycle', args: inv('inv-cycle.yml'), code: 6, at: { file: fx('inv-cycle.yml'), line: 7, col: 5 }, says: /group cycle: b -> a -> b/ },
  // INI inventories
  {
    id: 'INI bad section header',
    args: inv('inv-section.ini'),
    code: 6,
    at: { file: fx('inv-section.ini'), line: 2, col: 1 },
    says: /invalid section header '\[web': expected \[group\], \[group:vars\] or \[group:children\]/,
  },
  {
    id: 'INI unknown section kind',
    args: inv('inv-section-kind.ini'),
    code: 6,
    at: { file: fx('inv-section-kind.ini'), line: 3, col: 6 },
    says: /section \[web:bogus\] has unknown type 'bogus'/,
  },
  {
    id: 'INI bad host range',
    args: inv('inv-range.ini'),
    code: 6,
    at: { file: fx('inv-range.ini'), line: 2, col: 1 },
    says: /host range '\[01:\]' must specify an end value/,
  },
  {
    id: 'INI malformed vars line',
    args: inv('inv-vars-line.ini'),
    code: 6,
    at: { file: fx('inv-vars-line.ini'), line: 5, col: 1 },
    says: /expected key=value in \[web:vars\], got 'ansible_port 2222'/,
  },
  {
    id: 'INI host var without =',
    args: inv('inv-host-var.ini'),
    code: 6,
    at: { file: fx('inv-host-var.ini'), line: 2, col: 6 },
    says: /expected key=value host variable after the host name, got 'ansible_port'/,
  },
  { id: 'INI group cycle', args: inv('inv-cycle.ini'), code: 6, at: { file: fx('inv-cycle.ini'), line: 8, col: 1 }, says: /group cycle: c -> a -> b -> c/ },
  // options
  { id: '--limit matches nothing', args: pb('pb-good.yml', '--limit', 'lab9*'), code: 1, says: /limit 'lab9\*' matches no hosts \(known hosts: nowhere\)/ },
  { id: 'playbook missing', args: pb('pb-nonexistent.yml'), code: 1, says: /the playbook: .*pb-nonexistent\.yml could not be found/ },
  {
    id: 'inventory missing',
    args: [fx('pb-good.yml'), '-i', fx('inv-nonexistent.yml')],
    code: 5,
    says: /the inventory .*inv-nonexistent\.yml could not be found \(expected a file, a directory, or a comma-separated host list/,
  },
  {
    id: '-e @file missing',
    args: pb('pb-good.yml', '-e', `@${fx('vars-nonexistent.yml')}`),
    code: 1,
    says: /-e @.*vars-nonexistent\.yml: cannot read the file/,
  },
  {
    id: '-e @file YAML error',
    args: pb('pb-good.yml', '-e', `@${fx('vars-bad-yaml.yml')}`),
    code: 6,
    at: { file: fx('vars-bad-yaml.yml'), line: 3, col: 9 },
    says: /flow sequence '\[' that starts here is never closed/,
  },
  {
    id: '-e @file duplicate key',
    args: pb('pb-good.yml', '-e', `@${fx('vars-duplicate.yml')}`),
    code: 6,
    at: { file: fx('vars-duplicate.yml'), line: 2, col: 1 },
    says: /duplicate key 'iso' \(first defined at line 1, column 1\)/,
  },
  {
    id: '-e bad JSON',
    args: pb('pb-good.yml', '-e', '{"iso": '),
    code: 6,
    says: /-e "\{"iso": ": not valid JSON\/YAML at column 8: Flow map must end with a \}/,
  },
  { id: '-e unterminated quote', args: pb('pb-good.yml', '-e', 'iso="/isos/a b'), code: 6, says: /unterminated " quote/ },
  { id: '-e without key=value', args: pb('pb-good.yml', '-e', 'justaword'), code: 5, says: /expected key=value, got 'justaword'/ },
  { id: '-e list, not mapping', args: pb('pb-good.yml', '-e', '[1, 2]'), code: 5, says: /extra vars must be a mapping of names to values/ },
  { id: '-e bad variable name', args: pb('pb-good.yml', '-e', '1x=2'), code: 5, says: /'1x' is not a valid name/ },
  { id: '--forks 0', args: pb('pb-good.yml', '--forks', '0'), code: 2, says: /--forks must be a positive integer, got "0"/ },
  { id: '--forks abc', args: pb('pb-good.yml', '--forks', 'abc'), code: 2, says: /--forks must be a positive integer, got "abc"/ },
  { id: 'unknown option', args: pb('pb-good.yml', '--bogus'), code: 2, says: /unknown option '--bogus'/ },
  // at run time: local host without virsh on its PATH (the local transport runs /bin/sh here)
  {
    id: 'virsh missing (local host)',
    args: [fx('rt-all-guests.yml'), '-i', 'localhost,'],
    code: 2,
    host: 'localhost',
    says: /virsh is not installed on the host \(virsh: command not found\)/,
    env: { PATH: '/nonexistent', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' },
  },
  // at run time on the lab (lab4, guests of this test's own)
  {
    id: 'guest does not exist',
    lab: true,
    args: [fx('rt-no-such-guest.yml'), ...LAB],
    code: 2,
    host: 'lab4',
    guest: 'nosuch',
    says: /no guest named "nosuch" on this host \(libvirt qemu:\/\/\/session; guests: .*vp-bi-ide/,
  },
  {
    id: 'boot disk target not there',
    lab: true,
    args: [fx('rt-boot-no-target.yml'), ...LAB],
    code: 2,
    host: 'lab4',
    guest: 'vp-bi-ide',
    says: /has no disk matching "vdz" to boot from; its disks: hda \(\/nonexistent\/vp-bi-ide\.qcow2\)/,
  },
  {
    id: 'boot disk path not found',
    lab: true,
    args: [fx('rt-boot-no-path.yml'), ...LAB],
    code: 2,
    host: 'lab4',
    guest: 'vp-bi-ide',
    says: /has no disk matching "\/nonexistent\/boot\.qcow2" to boot from/,
  },
  // A guest boot_disk does not apply to: skipped with the reason, not failed (exit 0).
  {
    id: 'guest with no disk',
    lab: true,
    args: [fx('rt-no-disk.yml'), ...LAB],
    code: 0,
    host: 'lab4',
    guest: 'vp-bi-nodisk',
    says: /vp-bi-nodisk: skipped - has no disk to boot from \(CD-ROM or floppy only\)/,
  },
  {
    id: 'CD-ROM target already in use',
    lab: true,
    args: [fx('rt-cdrom-target-used.yml'), ...LAB],
    code: 2,
    host: 'lab4',
    guest: 'vp-bi-ide',
    says: /hda is a disk \(\/nonexistent\/vp-bi-ide\.qcow2\), not a CD-ROM drive/,
  },
  {
    id: 'libvirt URI does not answer',
    lab: true,
    args: [fx('rt-all-guests.yml'), '-i', fx('inv-lab-uri-dead.yml')],
    code: 2,
    host: 'lab4',
    says: /libvirt at qemu\+unix:\/\/\/session\?socket=\/nonexistent\/libvirt-sock does not answer: .*No such file or directory/,
  },
  {
    id: 'libvirt permission denied',
    lab: true,
    args: [fx('rt-all-guests.yml'), '-i', fx('inv-lab-uri-denied.yml')],
    code: 2,
    host: 'lab4',
    says: /permission denied reading libvirt at qemu\+unix:\/\/\/session\?socket=\/run\/vplab\/2\/libvirt\/libvirt-sock/,
  },
  {
    id: 'SSH port closed',
    lab: true,
    args: [fx('rt-all-guests.yml'), '-i', fx('inv-lab-port-closed.yml'), '-T', '3'],
    code: 4,
    host: 'lab4',
    says: /127\.0\.1\.4.*2299|2299.*127\.0\.1\.4|connect/i,
  },
];

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Row {
  id: string;
  want: number;
  got: number;
  position: string;
  ok: boolean;
}

async function check(t: Test, c: Case, r: CliResult, rows: Row[]): Promise<void> {
  const all = `${r.stdout}\n${r.stderr}`;
  // Input and option errors go to stderr ("ERROR! ..."); a failed host is reported on stdout,
  // as ansible-playbook does it (fatal: [host]: FAILED! => {...}).
  const msgText = c.host ? all : r.stderr;
  t.equal(r.code, c.code, `${c.id}: exit code`);
  let position = '-';
  let posOk = true;
  if (c.at) {
    const where = c.at.line === undefined ? `${c.at.file}: ` : `${c.at.file}:${c.at.line}:${c.at.col}: `;
    posOk = msgText.includes(where);
    position = posOk ? `${c.at.line}:${c.at.col}` : `want ${c.at.line}:${c.at.col}`;
    t.ok(posOk, `${c.id}: names ${where.trim()}`, { found: msgText.trim().split('\n').slice(0, 6) });
  }
  if (c.host) {
    const hostOk = new RegExp(`\\[${escapeRe(c.host)}\\]`).test(msgText);
    const guestOk =
      c.guest === undefined ||
      msgText.includes(`guest ${JSON.stringify(c.guest)}`) ||
      msgText.includes(`guest \\"${c.guest}\\"`) ||
      msgText.includes(`"${c.guest}"`) ||
      msgText.includes(`\\"${c.guest}\\"`) ||
      msgText.includes(`  ${c.guest}: FAILED - `) ||
      msgText.includes(`  ${c.guest}: skipped - `);
    t.ok(hostOk, `${c.id}: names host ${c.host}`, { found: msgText.trim() });
    t.ok(guestOk, `${c.id}: names guest ${c.guest ?? '-'}`, { found: msgText.trim() });
    position = `${c.host}${c.guest ? `/${c.guest}` : ''}${c.at ? ` ${position}` : ''}`;
    posOk &&= hostOk && guestOk;
  }
  const saysOk = c.says.test(msgText.replace(/\\"/g, '"'));
  t.ok(saysOk, `${c.id}: says ${c.says.source}`, { found: msgText.trim() });
  const traces = stackTraceLines(all);
  t.same(traces, [], `${c.id}: no stack trace, no internal error`);
  rows.push({ id: c.id, want: c.code, got: r.code, position, ok: r.code === c.code && posOk && saysOk && traces.length === 0 });
}

async function runAll(t: Test, list: Case[], rows: Row[], parallel: number): Promise<void> {
  const results = new Map<Case, CliResult>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const c = list[next++]!;
      results.set(c, await virtplay(c.args, c.env ? { env: c.env } : {}));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  for (const c of list) await check(t, c, results.get(c)!, rows);
}

const rows: Row[] = [];

t.test('input and option errors: exact code, file:line:col, what was expected, no trace', async (t) => {
  await runAll(
    t,
    cases.filter((c) => !c.lab),
    rows,
    4,
  );
});

t.test('runtime errors on the lab: exact code, host and guest, no trace', async (t) => {
  // The whole lab (useLab brings it up under its lock: lab-up.sh while another file holds the lab
  // could restart the lab's sshd under that file's feet); only guests of this test's own are used.
  const lab = await useLab(t, { fresh: false });
  const host = 'lab4';
  const guests = ['vp-bi-ide', 'vp-bi-nodisk'];
  lab.cleanup(async () => {
    for (const g of guests) await undefineLabGuest(host, g);
  });
  for (const g of guests) await undefineLabGuest(host, g);
  await defineLabGuest(host, labGuestXml(host, 'vp-bi-ide', '/nonexistent/vp-bi-ide.qcow2'));
  await defineLabGuest(host, labGuestXml(host, 'vp-bi-nodisk', null));
  await runAll(
    t,
    cases.filter((c) => c.lab),
    rows,
    2,
  );
});

t.test('summary', async (t) => {
  const w = Math.max(...rows.map((r) => r.id.length));
  t.comment(`${'case'.padEnd(w)}  want  got  position                 ok`);
  for (const r of rows)
    t.comment(`${r.id.padEnd(w)}  ${String(r.want).padStart(4)}  ${String(r.got).padStart(3)}  ${r.position.padEnd(24)} ${r.ok ? 'yes' : 'NO'}`);
  const good = rows.filter((r) => r.ok).length;
  t.comment(`${rows.length} cases, ${good} with the expected exit code, position and message, ${rows.length - good} not`);
  t.equal(rows.length, cases.length, 'every case ran');
  t.ok(rows.length >= 40, 'at least 40 cases');
  t.equal(EXIT.BAD_INPUT, 6);
});
