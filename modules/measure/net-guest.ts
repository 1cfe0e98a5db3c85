/**
 * The guest's end of the network test: a TCP client, run through guest-exec, that connects to the
 * host's endpoint (net-endpoint.pl) through the guest's own network interface and either reads
 * until the host closes (data into the guest, the article's direction) or sends size_mb MiB (out
 * of the guest). The host times the transfer; the guest reports how many bytes it got, so a short
 * transfer cannot pass for a fast one. The host's address defaults to the guest's default gateway
 * (user-mode networking: 10.0.2.2, which QEMU maps to the host's 127.0.0.1; libvirt's NAT network:
 * the bridge's address); a bridged guest whose gateway is a router needs host_address.
 * Linux: POSIX sh (BusyBox included) with nc, else bash's /dev/tcp; Windows: PowerShell 2.0 and
 * later (.NET's TcpClient), so nothing is installed in either guest.
 */
import { psQuote } from './windows-bench.js';

export type NetDirection = 'in' | 'out';
export const NET_MARK = '@@virtplay-net';

/** $1 host ('' = default gateway), $2 port, $3 MiB, $4 direction, $5 seconds allowed. */
export const LINUX_NET_SCRIPT = [
  'export LC_ALL=C',
  'host=$1 port=$2 mb=$3 dir=$4 secs=$5',
  'if [ -z "$host" ]; then',
  // /proc/net/route holds the gateway as little-endian hex: 0202000A is 10.0.2.2.
  '  while read -r iface dest gw rest; do',
  '    [ "$dest" = 00000000 ] || continue',
  '    m=${gw#??}; m=${m%??}',
  '    host=$(printf "%d.%d.%d.%d" "0x${gw#??????}" "0x${m#??}" "0x${m%??}" "0x${gw%??????}")',
  '    break',
  '  done < /proc/net/route',
  `  [ -n "$host" ] || { echo "no default route in the guest: set host_address" >&2; exit 2; }`,
  'fi',
  't=',
  'command -v timeout >/dev/null 2>&1 && t="timeout $secs"',
  // A clock with sub-millisecond steps where date has %N (GNU), else the 10 ms of /proc/uptime.
  'case $(date +%s.%N 2>/dev/null) in *[!0-9.]*|"") clock=uptime ;; *) clock=date ;; esac',
  'now() { if [ "$clock" = date ]; then date +%s.%N; else read -r u rest < /proc/uptime; echo "$u"; fi; }',
  't0=$(now)',
  'if command -v nc >/dev/null 2>&1; then',
  '  client=nc',
  '  if [ "$dir" = in ]; then got=$($t nc "$host" "$port" </dev/null | wc -c); rc=$?',
  '  else dd if=/dev/zero bs=1048576 count="$mb" 2>/dev/null | $t nc "$host" "$port" >/dev/null; rc=$?; got=$((mb * 1048576)); fi',
  'elif command -v bash >/dev/null 2>&1; then',
  '  client=bash',
  // bash opens the connection; host and port are bash's positional parameters, never code.
  `  if [ "$dir" = in ]; then got=$($t bash -c 'exec 3<>"/dev/tcp/$0/$1" && cat <&3' "$host" "$port" | wc -c); rc=$?`,
  `  else $t bash -c 'exec 3<>"/dev/tcp/$0/$1" && dd if=/dev/zero bs=1048576 count="$2" 2>/dev/null >&3' "$host" "$port" "$mb"; rc=$?; got=$((mb * 1048576)); fi`,
  'else',
  `  echo "the guest has neither nc nor bash to open a TCP connection" >&2; exit 2`,
  'fi',
  't1=$(now)',
  `echo "${NET_MARK} guest bytes=$got host=$host client=$client rc=$rc t0=$t0 t1=$t1 clock=$clock"`,
  'exit $rc',
].join('\n');

export function linuxNetArgv(hostAddress: string, port: number, sizeMb: number, dir: NetDirection, seconds: number): { path: string; args: string[] } {
  return {
    path: '/bin/sh',
    args: ['-c', LINUX_NET_SCRIPT, 'virtplay-net', hostAddress, String(port), String(Math.trunc(sizeMb)), dir, String(Math.trunc(seconds))],
  };
}

export function windowsNetScript(hostAddress: string, port: number, sizeMb: number, dir: NetDirection): string {
  const mb = Math.trunc(sizeMb);
  const transfer =
    dir === 'in'
      ? ['  while (($r = $s.Read($buf, 0, $buf.Length)) -gt 0) { $n += $r }']
      : [
          `  for ($i = 0; $i -lt ${mb}; $i++) { $s.Write($buf, 0, $buf.Length) }`,
          '  $n = [long]' + mb + ' * 1048576',
          '  $c.Client.Shutdown([Net.Sockets.SocketShutdown]::Send)',
          '  while ($s.Read($buf, 0, $buf.Length) -gt 0) { }',
        ];
  return [
    "$ErrorActionPreference = 'Stop'",
    `$hostAddr = ${psQuote(hostAddress)}`,
    'if (-not $hostAddr) {',
    "  $hostAddr = @(Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter 'IPEnabled = TRUE' | ForEach-Object { $_.DefaultIPGateway } | Where-Object { $_ -match '^[0-9.]+$' })[0]",
    "  if (-not $hostAddr) { throw 'no default gateway in the guest: set host_address' }",
    '}',
    '$sw = [Diagnostics.Stopwatch]::StartNew()',
    '$c = New-Object -TypeName Net.Sockets.TcpClient',
    `$c.Connect($hostAddr, ${Math.trunc(port)})`,
    'try {',
    '  $s = $c.GetStream()',
    '  $buf = New-Object -TypeName byte[] -ArgumentList 1048576',
    '  $n = [long]0',
    ...transfer,
    '  $sw.Stop()',
    '} finally {',
    '  $c.Close()',
    '}',
    `'${NET_MARK} guest bytes=' + $n + ' host=' + $hostAddr + ' client=powershell rc=0 t0=0 t1=' + $sw.Elapsed.TotalSeconds.ToString('F6', [Globalization.CultureInfo]::InvariantCulture) + ' clock=stopwatch'`,
  ].join('\n');
}

export function windowsNetArgv(hostAddress: string, port: number, sizeMb: number, dir: NetDirection): { path: string; args: string[] } {
  const encoded = Buffer.from(windowsNetScript(hostAddress, port, sizeMb, dir), 'utf16le').toString('base64');
  return { path: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encoded] };
}

export interface GuestSide {
  bytes: number;
  host: string;
  client: string;
  /** The guest's clock around the transfer, from before the connect to the last byte. */
  seconds: number;
  clock: 'date' | 'uptime' | 'stopwatch';
}

export type GuestParse = { ok: true; guest: GuestSide } | { ok: false; error: string };

/** The client's report (both OSes print the same marker line). */
export function parseGuestNet(stdout: string, stderr: string, exitcode: number): GuestParse {
  const m = new RegExp(
    `^${NET_MARK} guest bytes=(\\d+) host=(\\S*) client=(\\S+) rc=(\\d+) t0=([\\d.]+) t1=([\\d.]+) clock=(date|uptime|stopwatch)\\s*$`,
    'm',
  ).exec(stdout);
  const why = (): string => stderr.trim().split(/\r?\n/).filter(Boolean).slice(0, 3).join(' ') || `exit status ${exitcode}`;
  if (!m) return { ok: false, error: `the guest's TCP client failed: ${why()}` };
  if (exitcode !== 0 || m[4] !== '0') return { ok: false, error: `the guest's TCP client (${m[3]}) to ${m[2]} failed: ${why()}` };
  // Decimal strings subtracted as numbers: an epoch with nanoseconds keeps about a microsecond.
  const seconds = Math.round((Number(m[6]) - Number(m[5])) * 1e6) / 1e6;
  return { ok: true, guest: { bytes: Number(m[1]), host: m[2] as string, client: m[3] as string, seconds, clock: m[7] as GuestSide['clock'] } };
}
