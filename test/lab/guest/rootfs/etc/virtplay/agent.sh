#!/bin/sh
# Runs the guest agent on the virtio-serial port named org.qemu.guest_agent.0: Debian's qemu-ga
# (linux personality) or winqga, the Windows agent (win2k8r2/win2k16, when guest tools are installed).
# Without udev there is no /dev/virtio-ports/ link: the name is read from sysfs.
. /etc/virtplay/lib.sh
port=
for i in $(seq 1 50); do
  for p in /sys/class/virtio-ports/*; do
    [ -f "$p/name" ] && [ "$(cat "$p/name")" = org.qemu.guest_agent.0 ] && port=${p##*/} && break 2
  done
  sleep 0.1
done
if [ -z "$port" ]; then
  # No port yet: said once, then init respawns this script, which looks again. Under TCG on a
  # loaded host the port can appear later than 5 s after boot (Windows starts its agent service
  # whenever the device arrives); giving up for good left the agent silent for the whole boot.
  [ -f /run/virtplay/agent-missing ] || say "agent=none"
  touch /run/virtplay/agent-missing
  sleep 1
  exit 0
fi
echo "/dev/$port" >/run/virtplay/agent-port
personality=$(cat /run/virtplay/personality 2>/dev/null || echo linux)
if [ "$personality" != linux ]; then
  # Windows: the QEMU guest agent answers only when it was installed (guest tools).
  if [ "$(cat /run/virtplay/guest-tools 2>/dev/null)" = no ]; then
    [ -f /run/virtplay/agent-missing ] || say "agent=not-installed"
    touch /run/virtplay/agent-missing
    exec sleep 2147483647
  fi
  exec /usr/sbin/winqga -p "/dev/$port" -P "$personality"
fi
mkdir -p /run/qemu-ga
exec /usr/sbin/qemu-ga -m virtio-serial -p "/dev/$port" -t /run/qemu-ga -l /var/log/qemu-ga.log
