#!/bin/bash
# Makes a guest's own boot disk: a sparse copy of the built stand-in image, optionally with its own
# marker and extra kernel parameters. Works on the image file only (mtools): no root, no loop device.
#
# Usage: make-disk.sh [options] DEST
#   --marker TEXT      first line of marker.txt on the boot partition (default: the built one)
#   --ignore-acpi      the guest logs and ignores ACPI power button and agent shutdown requests
#                      (kernel parameter virtplay.ignore_acpi=1)
#   --noboot-halt      without a boot disk, hang instead of powering off (virtplay.noboot=halt)
#   --cmdline WORDS    more kernel parameters (e.g. virtplay.rootwait=5)
#   --personality P    linux (default: Debian's qemu-ga answers), win2k8r2 or win2k16 (winqga answers
#                      as QEMU's Windows guest agent of that Windows version): personality.txt
#   --no-guest-tools   Windows personality: the QEMU guest agent is not installed, nothing answers on
#                      the agent channel (guest-tools.txt says "qemu-ga: not-installed")
#   --image SRC        source image (default <repo>/.lab/guest/standin.img)
#   --force            overwrite DEST if it exists
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
src=${VIRTPLAY_GUEST_OUT:-$REPO/.lab/guest}/standin.img
marker= extra= force=0 personality=linux guest_tools=1
while [ $# -gt 0 ]; do
  case "$1" in
    --marker) marker=$2; shift 2 ;;
    --ignore-acpi) extra="$extra virtplay.ignore_acpi=1"; shift ;;
    --noboot-halt) extra="$extra virtplay.noboot=halt"; shift ;;
    --cmdline) extra="$extra $2"; shift 2 ;;
    --personality) personality=$2; shift 2 ;;
    --no-guest-tools) guest_tools=0; shift ;;
    --image) src=$2; shift 2 ;;
    --force) force=1; shift ;;
    -*) echo "make-disk.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
dest=$1
[ -f "$src" ] || { echo "make-disk.sh: $src not found (run test/lab/guest/build.sh)" >&2; exit 1; }
if [ -e "$dest" ] && [ "$force" = 0 ]; then
  echo "make-disk.sh: $dest exists (use --force)" >&2; exit 1
fi
case "$personality" in linux|win2k8r2|win2k16) ;; *) echo "make-disk.sh: --personality linux|win2k8r2|win2k16" >&2; exit 2 ;; esac
case "$marker$extra" in *$'\n'*) echo "make-disk.sh: newline in --marker/--cmdline" >&2; exit 2 ;; esac

tmp="$dest.tmp.$$"
trap 'rm -f "$tmp" "$tmp.cfg" "$tmp.marker" "$tmp.txt"' EXIT
cp --sparse=always "$src" "$tmp"
export MTOOLS_SKIP_CHECK=1
if [ -n "$marker" ]; then
  printf '%s\n' "$marker" >"$tmp.marker"
  mcopy -o -i "$tmp@@1M" "$tmp.marker" ::marker.txt
fi
if [ -n "$extra" ]; then
  mtype -i "$tmp@@1M" ::syslinux.cfg | tr -d '\r' >"$tmp.cfg"
  # awk, not sed: the parameters are data, never part of a program.
  awk -v extra="$extra" 'toupper($1) == "APPEND" { $0 = $0 extra } { print }' "$tmp.cfg" >"$tmp.cfg.new"
  mv "$tmp.cfg.new" "$tmp.cfg"
  mcopy -o -i "$tmp@@1M" "$tmp.cfg" ::syslinux.cfg
fi
if [ "$personality" != linux ]; then
  printf '%s\r\n' "$personality" >"$tmp.txt"
  mcopy -o -i "$tmp@@1M" "$tmp.txt" ::personality.txt
fi
if [ "$guest_tools" = 0 ]; then
  printf 'qemu-ga: not-installed\r\n' >"$tmp.txt"
  mcopy -o -i "$tmp@@1M" "$tmp.txt" ::guest-tools.txt
fi
mv -f "$tmp" "$dest"
