#!/bin/sh
# poweroff.sh SOURCE [poweroff|reboot|halt]: a shutdown request from the ACPI power button or the
# guest agent. With virtplay.ignore_acpi=1 on the kernel command line it is logged and ignored:
# the guest does not stop (a Windows guest that hangs on shutdown).
. /etc/virtplay/lib.sh
src=${1:-unknown}
action=${2:-poweroff}
if [ "$(param ignore_acpi)" = 1 ]; then
  say "shutdown-request source=$src action=$action ignored"
  exit 0
fi
say "shutdown-request source=$src action=$action"
case "$action" in
  reboot) exec reboot ;;
  halt) exec halt ;;
  *) exec poweroff ;;
esac
