/**
 * The network test's two ends as real processes on this machine: net-endpoint.pl through a local
 * connection (as over SSH: the same command line), the guest's client script under /bin/sh (and
 * BusyBox's sh when present), real TCP over 127.0.0.1. The guest-exec part is the lab's
 * (test/integration/measure/).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { promisify } from 'node:util';
import { openLocal } from '../../../engine/connection/local.js';
import type { TaskContext } from '../../../engine/module.js';
import { LINUX_NET_SCRIPT, parseGuestNet, windowsNetScript, windowsNetArgv } from '../../../modules/measure/net-guest.js';
import { endpointCommand, parseEndpoint, startEndpoint, stopEndpoint, transferRun } from '../../../modules/measure/net-host.js';

const run = promisify(execFile);
const conn = openLocal('local');
const ctx = { host: 'local', conn } as TaskContext;
const MiB = 1048576;

/** The guest's client, here: LINUX_NET_SCRIPT with its positional arguments. */
async function client(shell: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(shell, ['-c', LINUX_NET_SCRIPT, 'virtplay-net', ...args]);
    return { ...r, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { stdout: x.stdout, stderr: x.stderr, code: x.code };
  }
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(true));
  });

for (const shell of ['/bin/sh', '/bin/busybox']) {
  const sh = shell === '/bin/busybox' ? 'busybox sh' : shell;
  t.test(
    `into and out of the "guest" (${sh})`,
    {
      skip:
        shell === '/bin/busybox' &&
        !(await run('sh', ['-c', 'command -v busybox']).then(
          () => true,
          () => false,
        )),
    },
    async (t) => {
      for (const dir of ['in', 'out'] as const) {
        const ep = startEndpoint(ctx, { direction: dir, bind: '127.0.0.1', port: 0, bytes: 8 * MiB, acceptTimeoutSec: 10, transferTimeoutSec: 60 });
        const { port, pid } = await ep.port;
        t.ok(port > 0 && pid > 1, `${dir}: listening on ${port}`);
        const c =
          shell === '/bin/busybox'
            ? await run('busybox', ['sh', '-c', LINUX_NET_SCRIPT, 'virtplay-net', '127.0.0.1', String(port), '8', dir, '60']).then((r) => ({ ...r, code: 0 }))
            : await client(shell, ['127.0.0.1', String(port), '8', dir, '60']);
        const g = parseGuestNet(c.stdout, c.stderr, c.code);
        t.ok(g.ok, `${dir}: the client reports: ${c.stdout}${c.stderr}`);
        if (g.ok && dir === 'in') {
          t.equal(g.guest.bytes, 8 * MiB, 'the guest received every byte');
          t.ok(g.guest.seconds >= 0 && g.guest.seconds < 60, `timed by the receiving "guest": ${g.guest.seconds} s (${g.guest.clock})`);
          t.equal(g.guest.clock, shell === '/bin/busybox' ? 'uptime' : 'date', "date's %N where it has one, else /proc/uptime");
        }
        const r = await ep.result;
        t.ok(r.ok, JSON.stringify(r));
        if (r.ok) {
          t.equal(r.transfer.bytes, 8 * MiB, 'the host counted every byte');
          t.ok(r.transfer.seconds > 0, 'timed on the host');
          t.equal(r.transfer.peer, '127.0.0.1');
          t.equal(transferRun(r.transfer).bytes_per_sec, (8 * MiB) / r.transfer.seconds);
        }
        t.ok(await refused(port), `${dir}: nothing listens on ${port} after the run`);
      }
    },
  );
}

t.test('loopback: the bare host, both directions', async (t) => {
  for (const direction of ['loopback-in', 'loopback-out'] as const) {
    const ep = startEndpoint(ctx, { direction, bind: '127.0.0.1', port: 0, bytes: 4 * MiB, acceptTimeoutSec: 10, transferTimeoutSec: 60 });
    await ep.port;
    const r = await ep.result;
    t.ok(r.ok && r.transfer.bytes === 4 * MiB, `${direction}: ${JSON.stringify(r)}`);
  }
});

t.test('a port that is taken: a clear error before any guest is involved', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const ep = startEndpoint(ctx, { direction: 'in', bind: '127.0.0.1', port, bytes: MiB, acceptTimeoutSec: 10, transferTimeoutSec: 60 }, 'win1');
  await t.rejects(ep.port, { name: 'TaskError', message: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: Address already in use`) });
  t.match(await ep.result, { ok: false, kind: 'bind' });
});

t.test('no connection (a firewall dropping it): the endpoint ends by itself, or when told', async (t) => {
  const ep = startEndpoint(ctx, { direction: 'in', bind: '127.0.0.1', port: 0, bytes: MiB, acceptTimeoutSec: 1, transferTimeoutSec: 60 });
  const { port } = await ep.port;
  t.match(await ep.result, { ok: false, kind: 'accept', error: `no connection within 1 s on port ${port}` });
  t.ok(await refused(port), 'and it listens no more');
  const ep2 = startEndpoint(ctx, { direction: 'in', bind: '127.0.0.1', port: 0, bytes: MiB, acceptTimeoutSec: 60, transferTimeoutSec: 60 });
  const p2 = await ep2.port;
  const started = Date.now();
  await stopEndpoint(ctx, p2.pid);
  t.match(await ep2.result, { ok: false });
  t.ok(Date.now() - started < 30_000, 'stopped at once, not at its 60 s timeout');
  t.ok(await refused(p2.port));
});

t.test("the guest's client: refused, and no route", async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const c = await client('/bin/sh', ['127.0.0.1', String(port), '1', 'in', '10']);
  const g = parseGuestNet(c.stdout, c.stderr, c.code);
  t.ok(g.ok && g.guest.bytes === 0, 'nothing received');
});

t.test('parsers and command lines', async (t) => {
  t.match(parseEndpoint('@@virtplay-net listening port=5 pid=9\n@@virtplay-net done bytes=10 seconds=0.5 peer=10.0.2.15 clock=uptime\n', '', 0), {
    ok: true,
    transfer: { bytes: 10, seconds: 0.5, peer: '10.0.2.15', clock: 'uptime' },
  });
  t.match(parseEndpoint('', 'sh: 1: exec: perl: not found\n', 127), { ok: false, kind: 'tools', error: /perl is not installed on the host/ });
  t.match(parseEndpoint('', 'Killed\n', null), { ok: false, kind: 'unknown', error: 'Killed' });
  t.same(parseGuestNet('@@virtplay-net guest bytes=7 host=10.0.2.2 client=nc rc=0 t0=1796366186.891455363 t1=1796366188.141455363 clock=date\n', '', 0), {
    ok: true,
    guest: { bytes: 7, host: '10.0.2.2', client: 'nc', seconds: 1.25, clock: 'date' },
  });
  t.match(parseGuestNet('@@virtplay-net guest bytes=7 host=10.0.2.2 client=powershell rc=0 t0=0 t1=0.031250 clock=stopwatch\r\n', '', 0), {
    ok: true,
    guest: { seconds: 0.03125, clock: 'stopwatch' },
  });
  t.match(parseGuestNet('@@virtplay-net guest bytes=0 host=10.0.2.2 client=nc rc=1 t0=5.00 t1=5.01 clock=uptime\n', 'nc: timed out\n', 1), {
    ok: false,
    error: /client \(nc\) to 10\.0\.2\.2 failed: nc: timed out/,
  });
  t.match(parseGuestNet('', 'Exception calling "Connect": No connection could be made\r\n', 1), { ok: false, error: /No connection could be made/ });
  const cmd = endpointCommand({ direction: 'in', bind: "0.0.0.0'; rm -rf /", port: 0, bytes: 1, acceptTimeoutSec: 1, transferTimeoutSec: 1 });
  t.match(cmd, /^exec perl -e '/);
  t.match(cmd, `'0.0.0.0'\\''; rm -rf /'`, 'arguments are quoted, never pasted');
  // PowerShell: the address is a single-quoted literal; the script travels base64 (UTF-16LE).
  const ps = windowsNetScript("10.0.2.2'; Remove-Item C:\\", 5201, 100, 'in');
  t.match(ps, "$hostAddr = '10.0.2.2''; Remove-Item C:\\'");
  t.match(ps, '$c.Connect($hostAddr, 5201)');
  t.match(windowsNetScript('', 1, 3, 'out'), 'for ($i = 0; $i -lt 3; $i++)');
  const argv = windowsNetArgv('', 1, 1, 'in');
  t.equal(Buffer.from(argv.args[argv.args.length - 1] as string, 'base64').toString('utf16le'), windowsNetScript('', 1, 1, 'in'));
});
