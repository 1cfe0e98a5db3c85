#!/bin/bash
# Offline changes to a SHUT-OFF stand-in guest's raw boot disk (mtools; no root, no loop device):
# what an operator achieves by hand in a Windows guest that has no guest agent.
#
# Usage: offline.sh install-driver DISK [ARCHIVE]
#          viostor installed in Device Manager: the signed driver archive (default
#          <repo>/.lab/guest/virtio_blk.cpio.gz) copied to the boot partition as viostor.gz and added
#          to syslinux.cfg's INITRD line, exactly as the ISO's linux/install.sh does it, and
#          windows/drivers.txt updated ("viostor: signed, installed, oemN.inf")
#        offline.sh install-guest-tools DISK
#          the QEMU guest agent installed (qemu-ga-x86_64.msi): guest-tools.txt says installed
#        offline.sh cat DISK FILE
#          prints FILE from the boot partition (e.g. windows/drivers.txt, syslinux.cfg)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
OUT=${VIRTPLAY_GUEST_OUT:-$REPO/.lab/guest}
export MTOOLS_SKIP_CHECK=1
[ $# -ge 2 ] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
action=$1 disk=$2
[ -f "$disk" ] || { echo "offline.sh: $disk not found" >&2; exit 1; }
img="$disk@@1M"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case "$action" in
  install-driver)
    archive=${3:-$OUT/virtio_blk.cpio.gz}
    [ -f "$archive" ] || { echo "offline.sh: $archive not found (run build.sh)" >&2; exit 1; }
    mcopy -o -i "$img" "$archive" ::viostor.gz
    mtype -i "$img" ::syslinux.cfg | tr -d '\r' >"$tmp/cfg"
    if ! grep -Eiq '^[[:space:]]*INITRD[[:space:]].*viostor.gz' "$tmp/cfg"; then
      sed -E 's/^([[:space:]]*INITRD[[:space:]]+[^[:space:]]+)/\1,viostor.gz/I' "$tmp/cfg" >"$tmp/cfg.new"
      grep -Eiq '^[[:space:]]*INITRD[[:space:]].*viostor.gz' "$tmp/cfg.new" || { echo "offline.sh: no INITRD line" >&2; exit 4; }
      mcopy -o -i "$img" "$tmp/cfg.new" ::syslinux.cfg
    fi
    mmd -i "$img" ::windows 2>/dev/null || true
    mtype -i "$img" ::windows/drivers.txt 2>/dev/null | tr -d '\r' >"$tmp/drivers" || true
    oem=$(sed -n 's/^viostor:.*, \(oem[0-9]*\.inf\).*/\1/Ip' "$tmp/drivers" | tail -n 1)
    [ -n "$oem" ] || oem=oem$(( $(grep -c . "$tmp/drivers" || true) + 1 )).inf
    { grep -vi '^viostor:' "$tmp/drivers" || true; echo "viostor: signed, installed, $oem"; } >"$tmp/drivers.new"
    mcopy -o -i "$img" "$tmp/drivers.new" ::windows/drivers.txt
    ;;
  install-guest-tools)
    printf 'qemu-ga: installed\r\n' >"$tmp/gt"
    mcopy -o -i "$img" "$tmp/gt" ::guest-tools.txt
    ;;
  cat)
    mtype -i "$img" "::$3"
    ;;
  *) echo "offline.sh: unknown action $action" >&2; exit 2 ;;
esac
