#!/bin/bash
# The stand-in guest's "driver" injected OFFLINE with libguestfs, for virtio_bootstrap's
# `strategy: offline` with `offline_inject_command` (the stand-in is not Windows to libguestfs
# inspection, so the built-in Windows injection does not apply): the ISO's linux/virtio_blk.cpio.gz
# copied to the shut-off guest's boot partition as viostor.gz and added to syslinux.cfg's INITRD
# line, as the ISO's linux/install.sh does inside the guest.
#
# Usage (on the KVM host, as the guest's user; virtplay sets the environment):
#   VIRTPLAY_DISK=... VIRTPLAY_DISK_FORMAT=raw VIRTPLAY_ISO=... offline-inject.sh inject [--fail-after-copy]
#   VIRTPLAY_DISK=... VIRTPLAY_DISK_FORMAT=raw offline-inject.sh check    (exit 0: the driver is in the boot set)
# --fail-after-copy: stops with an error after the archive is on the disk and before syslinux.cfg
# is changed (an injection failing half-way).
set -euo pipefail
action=${1:-}
: "${VIRTPLAY_DISK:?}" "${VIRTPLAY_DISK_FORMAT:=raw}"
tmp=$(mktemp -d)
eval "$(guestfish --listen)"
trap 'guestfish --remote -- exit >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
# If this script dies (a killed run), its guestfish server must not keep the disk open.
( trap '' HUP PIPE; while kill -0 $$ 2>/dev/null; do sleep 1; done; guestfish --remote="$GUESTFISH_PID" -- exit 2>/dev/null || true ) </dev/null >/dev/null 2>&1 &
gf() { guestfish --remote -- "$@"; }
case $action in
  inject)
    : "${VIRTPLAY_ISO:?}"
    gf add-drive "$VIRTPLAY_DISK" format:"$VIRTPLAY_DISK_FORMAT"
    gf add-drive "$VIRTPLAY_ISO" readonly:true format:raw
    gf run
    gf mkmountpoint /g
    gf mkmountpoint /i
    gf mount /dev/sda1 /g
    gf mount-ro /dev/sdb /i
    gf cp /i/linux/virtio_blk.cpio.gz /g/viostor.gz
    echo "copied linux/virtio_blk.cpio.gz to the boot partition as viostor.gz"
    if [ "${2:-}" = --fail-after-copy ]; then gf sync; echo "offline-inject: failing on purpose after the copy" >&2; exit 9; fi
    gf download /g/syslinux.cfg "$tmp/cfg"
    tr -d '\r' <"$tmp/cfg" >"$tmp/cfg.lf"
    if ! grep -Eiq '^[[:space:]]*INITRD[[:space:]].*viostor.gz' "$tmp/cfg.lf"; then
      sed -E 's/^([[:space:]]*INITRD[[:space:]]+[^[:space:]]+)/\1,viostor.gz/I' "$tmp/cfg.lf" >"$tmp/cfg.new"
      grep -Eiq '^[[:space:]]*INITRD[[:space:]].*viostor.gz' "$tmp/cfg.new" || { echo "offline-inject: no INITRD line" >&2; exit 4; }
      gf upload "$tmp/cfg.new" /g/syslinux.cfg
    fi
    echo "syslinux.cfg: $(grep -Ei '^[[:space:]]*INITRD' "$tmp/cfg.new" 2>/dev/null || grep -Ei '^[[:space:]]*INITRD' "$tmp/cfg.lf")"
    gf sync
    gf umount-all
    gf shutdown
    ;;
  check)
    gf add-drive "$VIRTPLAY_DISK" readonly:true format:"$VIRTPLAY_DISK_FORMAT"
    gf run
    gf mount-ro /dev/sda1 /
    [ "$(gf is-file /viostor.gz)" = true ] || { echo "check: no viostor.gz on the boot partition" >&2; exit 1; }
    gf download /syslinux.cfg "$tmp/cfg"
    grep -Eiq '^[[:space:]]*INITRD[[:space:]].*viostor.gz' "$tmp/cfg" || { echo "check: syslinux.cfg does not load viostor.gz" >&2; exit 1; }
    echo "viostor.gz is in the boot set"
    ;;
  *) echo "usage: offline-inject.sh inject [--fail-after-copy] | check" >&2; exit 2 ;;
esac
