# Shared helpers of the stand-in guest's scripts (sourced, busybox sh).
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

# say WORDS...: one status line on the serial console (the host reads it from the serial log file).
say() {
  echo "VIRTPLAY-GUEST $*" >/dev/ttyS0 2>/dev/null || echo "VIRTPLAY-GUEST $*" >/dev/console
  echo "$*" >>/run/virtplay/status.log 2>/dev/null || true
}

# param NAME: prints the value of virtplay.NAME=VALUE on the kernel command line; fails when absent.
param() {
  for w in $(cat /proc/cmdline); do
    case "$w" in "virtplay.$1="*) echo "${w#*=}"; return 0 ;; esac
  done
  return 1
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }
