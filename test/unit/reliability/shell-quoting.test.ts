/**
 * engine/shell.ts against real shells: every hostile string survives shq/shJoin as exactly one
 * argument, byte for byte, and none of them runs a command (the marker files never appear).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shJoin, shq } from '../../../engine/shell.js';

export const HOSTILE: readonly string[] = [
  'two words',
  "it's",
  'say "hi"',
  `mixed 'single' and "double"`,
  '$(touch vp-pwned-1)',
  ';touch vp-pwned-2',
  '`touch vp-pwned-3`',
  '$HOME ${HOME} $1 $@ $$',
  'a\nb; touch vp-pwned-4',
  "'; touch vp-pwned-5; echo '",
  '"; touch vp-pwned-6; echo "',
  "\\'$(touch vp-pwned-7)\\",
  '| touch vp-pwned-8 & touch vp-pwned-9 > vp-pwned-10 < /dev/null',
  'glob * ? [a-z] ~ ~root',
  'é 日本 😀',
  '\t tab and trailing space ',
  '-n',
  '--',
  '',
  "''",
  '!event #comment',
];

const SHELLS = ['/bin/sh', '/usr/bin/dash', '/usr/bin/bash', '/usr/bin/busybox sh'].filter((s) => existsSync(s.split(' ')[0]!));

/** Runs `printf '%s\0' ARGS...` through the shell in a fresh folder; returns the argv it saw. */
function roundTrip(shell: string, args: readonly string[], cwd: string): string[] {
  const [exe, ...pre] = shell.split(' ');
  const cmd = `printf '%s\\0' ${shJoin(args)}`;
  const r = spawnSync(exe!, [...pre, '-c', cmd], { cwd, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: cwd } });
  if (r.status !== 0) throw new Error(`${shell} exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\0').slice(0, -1);
}

t.test('each hostile string is one argument, unchanged, in every shell here', async (t) => {
  t.ok(SHELLS.length >= 2, `shells: ${SHELLS.join(', ')}`);
  for (const shell of SHELLS) {
    const dir = mkdtempSync(join(tmpdir(), 'vp-shq-'));
    try {
      for (const s of HOSTILE) t.same(roundTrip(shell, [s], dir), [s], `${shell}: ${JSON.stringify(s)}`);
      t.same(roundTrip(shell, HOSTILE, dir), HOSTILE, `${shell}: all of them in one command line`);
      t.same(readdirSync(dir), [], `${shell}: nothing was created (no marker file)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

t.test('a quoted hostile string names a file, it does not run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-shq-'));
  try {
    const names = HOSTILE.filter((s) => s !== '' && !s.includes('/') && s !== '-n' && s !== '--' && !s.startsWith('-'));
    for (const name of names) {
      const r = spawnSync('/bin/sh', ['-c', shJoin(['touch', '--', name])], { cwd: dir, encoding: 'utf8' });
      t.equal(r.status, 0, `touch ${JSON.stringify(name)}`);
    }
    t.same(readdirSync(dir).sort(), [...names].sort(), 'exactly the named files exist, no marker');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test('shq leaves only plain words bare', async (t) => {
  t.equal(shq('win01'), 'win01');
  t.equal(shq('/home/vplab1/disks/win01.qcow2'), '/home/vplab1/disks/win01.qcow2');
  t.equal(shq('qemu:///session'), 'qemu:///session');
  t.equal(shq(''), "''");
  t.equal(shq("it's"), `'it'\\''s'`);
  for (const s of HOSTILE) if (/[^A-Za-z0-9_\-+=.,/:@%]/.test(s) || s === '') t.match(shq(s), /^'.*'$/s, `quoted: ${JSON.stringify(s)}`);
});
