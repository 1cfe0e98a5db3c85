/**
 * The lab's sshd instances (test/lab/lab-common.sh), on a scratch copy: its own temp dir, host key
 * and port, so the real lab's sshds are never touched. OpenSSH binds at most 16 listen sockets, so
 * the lab runs one sshd per 16 hosts; a config sshd rejects never replaces a running one, and a
 * config that passes `sshd -t` but does not start gives way to the old one again.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, sshdConnectionsPerHost, type RunResult } from '../../lab/lab.js';

const COMMON = fileURLToPath(new URL('../../lab/lab-common.sh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vplab-sshd-'));

/** A TCP port free on 127.0.1.1 right now (the scratch sshds use 127.0.1.1..32 on it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.1.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const port = await freePort();
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
const hostBlob = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');

/** Runs SCRIPT in bash with lab-common.sh sourced and pointed at the scratch dir and port. */
function labSh(script: string): Promise<RunResult> {
  const prologue = `set -euo pipefail; . ${JSON.stringify(COMMON)}
LAB=${JSON.stringify(dir)} LAB_PORT=${port}
LAB_SSHD_CONF=$LAB/sshd_config LAB_SSHD_PID=$LAB/sshd.pid LAB_SSHD_LOG=$LAB/sshd.log
config() { # GROUP [EXTRA LINE] -> a config for that group's 16 addresses
  local i
  echo "Port $LAB_PORT"
  for ((i = $(lab_sshd_first "$1"); i <= $(lab_sshd_last "$1"); i++)); do echo "ListenAddress $(lab_addr "$i")"; done
  printf 'HostKey %s\\nPidFile %s\\nUsePAM no\\nLogLevel VERBOSE\\n' "$LAB/host_key" "$(lab_sshd_pidfile "$1")"
  [[ -z \${2:-} ]] || echo "$2"
}
`;
  return run(['bash', '-c', prologue + script], { timeoutMs: 60_000 });
}

async function pidOf(group: number): Promise<string> {
  return (await labSh(`lab_sshd_pid ${group}`)).stdout.trim();
}

async function listening(group: number): Promise<boolean> {
  return (await labSh(`lab_sshd_listening ${group}`)).code === 0;
}

t.teardown(async () => {
  await labSh('lab_stop_all_sshd');
  rmSync(dir, { recursive: true, force: true });
});

t.test('20 addresses in one sshd: sshd -t passes, the start fails, the old config runs again', async (t) => {
  // What happened to the lab with LAB_HOSTS=20 before it had one sshd per 16 hosts.
  const up = await labSh('lab_sshd_swap 1 "$(config 1)"');
  t.equal(up.code, 0, up.stderr);
  const check = await labSh(
    `{ config 1; for i in 17 18 19 20; do echo "ListenAddress $(lab_addr $i)"; done; } >"$LAB/big_config"; /usr/sbin/sshd -t -f "$LAB/big_config"`,
  );
  t.equal(check.code, 0, 'sshd -t does not count listen sockets');
  const before = await pidOf(1);
  t.match(before, /^\d+$/);
  const conf = readFileSync(join(dir, 'sshd_config'), 'utf8');
  const res = await labSh(`lab_sshd_swap 1 "$(cat "$LAB/big_config")"`);
  t.not(res.code, 0);
  t.match(res.stderr, /sshd for hosts 1\.\.16 did not start .*Too many listen sockets.*the old config runs again/s);
  const after = await pidOf(1);
  t.match(after, /^\d+$/, 'group 1 has a running sshd');
  t.not(after, before, 'restarted on the old config');
  t.ok(await listening(1), '127.0.1.1..16 listen again');
  t.equal(readFileSync(join(dir, 'sshd_config'), 'utf8'), conf, 'the old config is back');
});

t.test('each group of 16 addresses gets its own sshd', async (t) => {
  const up = await labSh('lab_sshd_swap 2 "$(config 2)" && lab_sshd_groups_present');
  t.equal(up.code, 0, up.stderr);
  t.same(up.stdout.trim().split('\n'), ['1', '2'], 'two groups running');
  t.ok(existsSync(join(dir, 'sshd_config')) && existsSync(join(dir, 'sshd-2_config')), 'group 1 keeps the old names, group 2 has its own');
  t.ok(await listening(1), '127.0.1.1..16 listen');
  t.ok(await listening(2), '127.0.1.17..32 listen');
  const [p1, p2] = [await pidOf(1), await pidOf(2)];
  t.match(p1, /^\d+$/);
  t.match(p2, /^\d+$/);
  t.not(p1, p2);
  t.equal(readFileSync(join(dir, 'sshd-2.pid'), 'utf8').trim(), p2, 'group 2 has its own pid file');

  // Both answer with the one host key, and both log to the one log file.
  for (const addr of ['127.0.1.3', '127.0.1.20']) {
    const scan = await run(['ssh-keyscan', '-T', '10', '-t', 'ed25519', '-p', String(port), addr]);
    t.equal(scan.stdout.trim(), `[${addr}]:${port} ${hostBlob}`, `${addr}: the lab host key`);
  }
  const conns = sshdConnectionsPerHost(readFileSync(join(dir, 'sshd.log'), 'utf8').split('\n'));
  t.equal(conns.get('127.0.1.3'), 1, 'group 1 logged its connection');
  t.equal(conns.get('127.0.1.20'), 1, 'group 2 logged its connection to the same log');
});

t.test('a config sshd -t rejects never replaces the running sshd', async (t) => {
  const before = await pidOf(1);
  const conf = readFileSync(join(dir, 'sshd_config'), 'utf8');
  const res = await labSh('lab_sshd_swap 1 "$(config 1 "NoSuchOption yes")"');
  t.not(res.code, 0);
  t.match(res.stderr, /sshd rejects the new config of hosts 1\.\.16 .*the running sshd keeps its old config/s);
  t.equal(await pidOf(1), before, 'the same sshd still runs');
  t.ok(await listening(1));
  t.equal(readFileSync(join(dir, 'sshd_config'), 'utf8'), conf, 'its config is unchanged');
  t.notOk(existsSync(join(dir, 'sshd_config.new')), 'no leftover new config');
});

t.test('a config that passes sshd -t but cannot bind gives way to the old one', async (t) => {
  const before = await pidOf(2);
  const conf = readFileSync(join(dir, 'sshd-2_config'), 'utf8');
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: sshd -t accepts it, sshd cannot bind it.
  const res = await labSh(`lab_sshd_swap 2 "$(config 2 | grep -v ListenAddress; echo 'ListenAddress 192.0.2.1')"`);
  t.not(res.code, 0);
  t.match(res.stderr, /did not start .*the old config runs again/s);
  const after = await pidOf(2);
  t.match(after, /^\d+$/, 'group 2 has a running sshd');
  t.not(after, before, 'restarted on the old config');
  t.ok(await listening(2), '127.0.1.17..32 listen again');
  t.equal(readFileSync(join(dir, 'sshd-2_config'), 'utf8'), conf, 'the old config is back');
  t.match(readFileSync(join(dir, 'sshd-2_config.failed'), 'utf8'), /192\.0\.2\.1/, 'the failed one is kept to look at');
});

t.test('stopping all stops every group', async (t) => {
  const res = await labSh('lab_stop_all_sshd; lab_sshd_groups_present');
  t.equal(res.code, 0, res.stderr);
  t.equal((await labSh('for g in 1 2; do lab_sshd_pid $g; done')).stdout.trim(), '', 'no sshd left');
  t.notOk(await listening(1));
  t.notOk(await listening(2));
  t.notOk(existsSync(join(dir, 'sshd.pid')) || existsSync(join(dir, 'sshd-2.pid')), 'pid files removed');
});
