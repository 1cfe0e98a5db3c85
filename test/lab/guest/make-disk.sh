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
#   --size MIB         a bigger disk (and boot partition: the guest's C:, room for a disk benchmark),
#                      64..2047; the partition is made anew and the source's files copied onto it
#   --force            overwrite DEST if it exists
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
src=${VIRTPLAY_GUEST_OUT:-$REPO/.lab/guest}/standin.img
marker= extra= force=0 personality=linux guest_tools=1 size_mb=
while [ $# -gt 0 ]; do
  case "$1" in
    --marker) marker=$2; shift 2 ;;
    --ignore-acpi) extra="$extra virtplay.ignore_acpi=1"; shift ;;
    --noboot-halt) extra="$extra virtplay.noboot=halt"; shift ;;
    --cmdline) extra="$extra $2"; shift 2 ;;
    --personality) personality=$2; shift 2 ;;
    --no-guest-tools) guest_tools=0; shift ;;
    --image) src=$2; shift 2 ;;
    --size) size_mb=$2; shift 2 ;;
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
case "$size_mb" in ''|6[4-9]|[7-9][0-9]|[1-9][0-9][0-9]|1[0-9][0-9][0-9]|20[0-4][0-7]) ;; *) echo "make-disk.sh: --size 64..2047 (MiB)" >&2; exit 2 ;; esac
case "$marker$extra" in *$'\n'*) echo "make-disk.sh: newline in --marker/--cmdline" >&2; exit 2 ;; esac

tmp="$dest.tmp.$$"
trap 'rm -rf "$tmp" "$tmp.cfg" "$tmp.marker" "$tmp.txt" "$tmp.files"' EXIT
export MTOOLS_SKIP_CHECK=1
if [ -n "$size_mb" ]; then
  # The same layout as build.sh's, bigger: MBR + syslinux, one FAT16 partition from 1 MiB.
  truncate -s "${size_mb}M" "$tmp"
  printf 'label: dos\nstart=2048, type=6, bootable\n' | sfdisk --quiet "$tmp"
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$tmp" bs=440 count=1 conv=notrunc status=none
  mkfs.fat -F 16 -n STANDIN --offset 2048 "$tmp" $(( (size_mb * 2048 - 2048) / 2 )) >/dev/null
  syslinux --install --offset 1048576 "$tmp"
  mkdir "$tmp.files"
  mcopy -s -n -i "$src@@1M" '::*' "$tmp.files/"
  rm -f "$tmp.files/ldlinux.sys" "$tmp.files/ldlinux.c32"
  mcopy -s -o -i "$tmp@@1M" "$tmp.files/"* ::
else
  cp --sparse=always "$src" "$tmp"
fi
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
