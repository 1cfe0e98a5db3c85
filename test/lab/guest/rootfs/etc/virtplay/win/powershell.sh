# powershell.exe, for what virtplay asks of it:
#   -Command <script with Get-PnpDevice>: "Status Problem InstanceId" per virtio block device
#     (modules/bootstrap/windows-drivers.ts pnpProblemExec). Windows Server 2008 R2 has PowerShell
#     2.0, which has no Get-PnpDevice.
#   -EncodedCommand <base64 of UTF-16LE>: guest_io_bench's scripts, recognised by their marker and
#     run for what they say: the disk write (modules/measure/windows-bench.ts: WriteThrough, here dd
#     with fsync on C:, the boot partition) and the TCP client of the network test
#     (modules/measure/net-guest.ts: here BusyBox nc), each printing the line the real script prints.
. /etc/virtplay/win/winlib.sh
script= encoded=
while [ $# -gt 0 ]; do
  case "$(lower "$1")" in
    -command|-c) shift; script="$*"; break ;;
    -encodedcommand|-enc|-e) encoded=$2; shift 2 ;;
    -executionpolicy|-ep|-inputformat|-outputformat|-windowstyle|-version) shift 2 ;;
    -*) shift ;;
    *) script="$*"; break ;;
  esac
done
# UTF-16LE of ASCII text: every second byte is 0.
[ -n "$encoded" ] && script=$(printf '%s' "$encoded" | base64 -d 2>/dev/null | tr -d '\000')

# ps_literal NAME: the value of the line "$NAME = 'text'" (a single-quoted literal, '' for ').
ps_literal() { printf '%s\n' "$script" | sed -n "s/^\$$1 = '\(.*\)'\$/\1/p" | head -n 1 | sed "s/''/'/g"; }
# Seconds since boot, 10 ms steps (the Stopwatch's stand-in).
uptime_s() { read -r u rest </proc/uptime; echo "$u"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
# C:\a\b -> the boot partition's path (C: is the boot partition).
c_path() { printf '%s\n' "$BOOT/$(printf '%s' "${1#[Cc]:}" | tr '\\' '/' | sed 's,^/*,,')"; }

case "$script" in
  *@@virtplay-net*)
    host=$(ps_literal hostAddr)
    port=$(printf '%s\n' "$script" | sed -n 's/^\$c\.Connect(\$hostAddr, \([0-9]*\))$/\1/p')
    mb=$(printf '%s\n' "$script" | sed -n 's/^  for (\$i = 0; \$i -lt \([0-9]*\);.*/\1/p')
    if [ -z "$host" ]; then
      # Win32_NetworkAdapterConfiguration.DefaultIPGateway
      while read -r iface dest gw rest; do
        [ "$dest" = 00000000 ] || continue
        m=${gw#??}; m=${m%??}
        host=$(printf "%d.%d.%d.%d" "0x${gw#??????}" "0x${m#??}" "0x${m%??}" "0x${gw%??????}")
        break
      done </proc/net/route
      [ -n "$host" ] || { echo "no default gateway in the guest: set host_address" >&2; win_exit 1; }
    fi
    t0=$(uptime_s)
    if [ -n "$mb" ]; then
      dd if=/dev/zero bs=1048576 count="$mb" 2>/dev/null | nc "$host" "$port" >/dev/null 2>/tmp/ps-nc.$$
      rc=$? n=$((mb * 1048576))
    else
      n=$(nc "$host" "$port" </dev/null 2>/tmp/ps-nc.$$ | wc -c)
      rc=0
      [ -s /tmp/ps-nc.$$ ] && rc=1
    fi
    t1=$(uptime_s)
    if [ "$rc" != 0 ]; then
      rm -f /tmp/ps-nc.$$
      echo "Exception calling \"Connect\" with \"2\" argument(s): \"No connection could be made because the target machine actively refused it $host:$port\"" >&2
      win_exit 1
    fi
    rm -f /tmp/ps-nc.$$
    echo "@@virtplay-net guest bytes=$n host=$host client=powershell rc=0 t0=0 t1=$(elapsed "$t0" "$t1") clock=stopwatch"
    win_exit 0 ;;
  *@@virtplay-ps*)
    dir=$(ps_literal dir)
    case "$script" in *'$dir = [IO.Path]::GetTempPath()'*) dir='C:\Windows\Temp' ;; esac
    mb=$(printf '%s\n' "$script" | sed -n 's/^\$mb = \([0-9]*\)$/\1/p')
    d=$(c_path "$dir")
    mkdir -p "$d" 2>/dev/null
    f="$d/.virtplay-io-bench.$$"
    t0=$(uptime_s)
    if ! dd if=/dev/zero of="$f" bs=1048576 count="$mb" conv=fsync 2>/dev/null; then
      rm -f "$f"
      echo "New-Object : Exception calling \".ctor\" with \"6\" argument(s): \"Could not find a part of the path '$dir'.\"" >&2
      win_exit 1
    fi
    t1=$(uptime_s)
    rm -f "$f"
    echo "@@virtplay-ps bytes=$((mb * 1048576)) seconds=$(elapsed "$t0" "$t1")"
    win_exit 0 ;;
esac

case "$script" in
  *Get-PnpDevice*) ;;
  *) echo "stand-in powershell: only the Get-PnpDevice query is emulated" >&2; win_exit 1 ;;
esac
if [ "$PERSONALITY" = win2k8r2 ]; then
  col=$(printf '%s' "${script%%Get-PnpDevice*}" | wc -c)
  cat >&2 <<MSG
The term 'Get-PnpDevice' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.
At line:1 char:$((col + 14))
+ ${script%%Get-PnpDevice*}Get-PnpDevice <<<< ${script#*Get-PnpDevice}
    + CategoryInfo          : ObjectNotFound: (Get-PnpDevice:String) [], CommandNotFoundException
    + FullyQualifiedErrorId : CommandNotFoundException
 
MSG
  win_exit 1
fi
pci_devices | while read -r n ven dev sven sdev rev; do
  case "$(($ven)):$(($dev))" in 6900:4097|6900:4162) ;; *) continue ;; esac
  code=$(dev_code "$ven" "$dev")
  status=OK
  [ "$code" = 0 ] || status=Error
  echo "$status $code $(pnp_id "$n" "$ven" "$dev" "$sven" "$sdev" "$rev")"
done
win_exit 0
