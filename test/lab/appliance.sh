#!/bin/bash
# The libguestfs appliance's kernel for the lab, on a machine without one in /boot (a container):
# libguestfs builds its appliance (supermin) from the host's own kernel, and a real KVM host has
# one in /boot. Here Debian's generic kernel package (the one the stand-in guest boots, cached by
# guest/build.sh) is unpacked under .lab/appliance/ with its modules.dep, and lab-up.sh hands the
# lab users' SSH sessions SUPERMIN_KERNEL/SUPERMIN_MODULES pointing at it, with
# LIBGUESTFS_BACKEND=direct and force_tcg (KVM aborts on this machine).
#
# Usage: bash test/lab/appliance.sh   (as root; idempotent) -> prints the kernel version
# With a kernel in /boot already, prints nothing and changes nothing.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kernel-deb.sh
. "$HERE/kernel-deb.sh"
OUT=$(cd "$HERE/../.." && pwd)/.lab/appliance
die() { printf 'lab-appliance: error: %s\n' "$*" >&2; exit 1; }

if compgen -G '/boot/vmlinuz-*' >/dev/null; then exit 0; fi
mkdir -p "$OUT"
deb=$(kernel_deb "$(cd "$HERE/../.." && pwd)/.lab/guest/cache" amd64) || die "no kernel package"
kpkg=$(basename "$deb"); kpkg=${kpkg%%_*}
kver=${kpkg#linux-image-}
if [[ ! -f $OUT/root/lib/modules/$kver/modules.dep || ! -f $OUT/root/boot/vmlinuz-$kver ]]; then
  rm -rf "$OUT/root.tmp"
  dpkg-deb -x "$deb" "$OUT/root.tmp"
  PATH="$PATH:/usr/sbin:/sbin" depmod -b "$OUT/root.tmp" "$kver"
  rm -rf "$OUT/root" && mv "$OUT/root.tmp" "$OUT/root"
fi
# supermin copies kernel modules below /lib/modules of the appliance and lstat()s the host's.
mkdir -p /lib/modules
chmod -R a+rX "$OUT"
echo "$kver"
