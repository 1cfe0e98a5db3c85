#!/bin/sh
# busybox init's shutdown action: flush and unmount the boot partition before the power goes.
. /etc/virtplay/lib.sh
sync
umount /media/cdrom 2>/dev/null
if umount /boot 2>/dev/null || mount -o remount,ro /boot 2>/dev/null; then
  say "shutdown boot-disk=clean uptime=$(uptime_s)"
else
  say "shutdown boot-disk=busy uptime=$(uptime_s)"
fi
sync
