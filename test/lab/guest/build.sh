#!/bin/bash
# Builds the lab's bootable stand-in guest: a guest that behaves like Windows where it matters for
# the virtio bootstrap (see README.md next to this script).
#
# Outputs (in $VIRTPLAY_GUEST_OUT, default <repo>/.lab/guest/):
#   standin.img               raw 64 MiB boot disk: MBR + syslinux + FAT16 partition holding the
#                             kernel, initrd.gz (no virtio_blk), syslinux.cfg and marker.txt
#   virtio-win-standin.iso    the "driver ISO": virtio-win layout placeholders + linux/ driver install;
#                             every .inf marked signed (VirtplaySigned=yes)
#   virtio-win-standin-unsigned.iso   the same, viostor's .infs marked unsigned
#   virtio-win-standin-nofolder.iso   the same, without viostor/2k8R2 and viostor/2k16
#   vmlinuz, initrd.gz        the same kernel and base initramfs (for direct kernel boot)
#   build.env                 facts about the build (kernel version, sizes), shell-sourceable
#
# Usage: bash test/lab/guest/build.sh [--force] [--refresh]
#   --force    rebuild even when nothing changed
#   --refresh  ask apt again which kernel linux-image-<flavour> means (else the one resolved first)
# Runs as root on Debian 12. Idempotent: nothing is rebuilt when the outputs exist and no input
# (build.sh, rootfs/, iso/, winqga/, the kernel package, busybox, qemu-guest-agent, syslinux, gcc)
# changed.
# Environment: VIRTPLAY_GUEST_KERNEL=amd64 (default) or cloud-amd64: the Debian kernel flavour.
# Debian 12's cloud kernel has no e1000, rtl8139 or ahci drivers, so the default is the generic one.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
OUT=${VIRTPLAY_GUEST_OUT:-$REPO/.lab/guest}
FLAVOUR=${VIRTPLAY_GUEST_KERNEL:-amd64}
FORCE=0 REFRESH=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --refresh) REFRESH=1 ;;
    *) echo "usage: build.sh [--force] [--refresh]" >&2; exit 2 ;;
  esac
done

log() { printf 'guest-build: %s\n' "$*" >&2; }
die() { printf 'guest-build: error: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------------
# command -> Debian package
declare -A NEED=(
  [depmod]=kmod [modprobe]=kmod [cpio]=cpio [sfdisk]=fdisk [mkfs.fat]=dosfstools
  [syslinux]=syslinux [mcopy]=mtools [xorriso]=xorriso [qemu-ga]=qemu-guest-agent
  [dpkg-deb]=dpkg [gzip]=gzip [gcc]=gcc
)
missing=()
for cmd in "${!NEED[@]}"; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
bb_applets=$(/bin/busybox --list 2>/dev/null || true)
case $'\n'"$bb_applets"$'\n' in *$'\nacpid\n'*) ;; *) missing+=(busybox-static) ;; esac
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || missing+=(syslinux-common)
# winqga (the Windows personality's agent) is linked statically against glibc.
[ -f "/usr/lib/$(uname -m)-linux-gnu/libc.a" ] || missing+=(libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (run as root to install them)"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin:/sbin"
case "$(ldd /bin/busybox 2>&1 || true)" in *'not a dynamic'*) ;; *) die "/bin/busybox is not static (install busybox-static)" ;; esac

mkdir -p "$OUT/cache"
# One build at a time (lab-up and a test may both call this script).
exec 9>"$OUT/.lock"
flock 9

# --- the kernel package --------------------------------------------------------------------------
# shellcheck source=../kernel-deb.sh
. "$HERE/../kernel-deb.sh"
KDEB=$(kernel_deb "$OUT/cache" "$FLAVOUR" "$([ "$REFRESH" = 1 ] && echo --refresh)") || die "no kernel package"
KPKG=$(basename "$KDEB"); KPKG=${KPKG%%_*}
KVER=${KPKG#linux-image-}

# --- cache check ---------------------------------------------------------------------------------
OUTPUTS=(standin.img virtio-win-standin.iso virtio-win-standin-unsigned.iso virtio-win-standin-nofolder.iso
  vmlinuz initrd.gz virtio_blk.cpio.gz build.env)
fingerprint() {
  {
    (cd "$HERE" && find build.sh rootfs iso winqga -type f -print0 | sort -z | xargs -0 sha256sum)
    echo "kernel $(basename "$KDEB") $(stat -c %s "$KDEB")"
    dpkg-query -W -f='${Package} ${Version}\n' busybox-static qemu-guest-agent syslinux syslinux-common gcc libc6-dev 2>/dev/null
    sha256sum /bin/busybox "$(command -v qemu-ga)"
  } | sha256sum | cut -d' ' -f1
}
FP=$(fingerprint)
if [ "$FORCE" = 0 ] && [ -f "$OUT/.fingerprint" ] && [ "$(cat "$OUT/.fingerprint")" = "$FP" ]; then
  ok=1
  for f in "${OUTPUTS[@]}"; do [ -s "$OUT/$f" ] || ok=0; done
  if [ "$ok" = 1 ]; then log "up to date ($OUT)"; exit 0; fi
fi
rm -f "$OUT/.fingerprint"
T0=$(date +%s.%N)

WORK="$OUT/work"
rm -rf "$WORK"
mkdir -p "$WORK"

# --- kernel tree with modules.dep ---------------------------------------------------------------
log "unpacking $(basename "$KDEB")"
dpkg-deb -x "$KDEB" "$WORK/kernel"
depmod -b "$WORK/kernel" "$KVER"
cp "$WORK/kernel/boot/vmlinuz-$KVER" "$WORK/vmlinuz"

# Modules in the base initramfs, like the drivers a Windows install boots with: IDE/SATA storage,
# CD-ROM, the FAT boot partition, e1000/rtl8139/virtio NICs, virtio-serial for the agent, the ACPI
# power button. NOT virtio_blk: that is the "driver" the bootstrap installs.
BASE_MODULES=(ata_piix ata_generic ahci sd_mod sr_mod cdrom isofs vfat nls_cp437 nls_iso8859-1
  nls_ascii nls_utf8 e1000 8139cp 8139too virtio_pci virtio_net virtio_console button evdev)
DRIVER_MODULES=(virtio_blk)

# Print the module files (relative to the kernel tree) that MODULE needs, itself last.
module_files() {
  modprobe -d "$WORK/kernel" -S "$KVER" --show-depends "$1" 2>/dev/null \
    | awk '$1 == "insmod" {print $2}' | sed "s|^$WORK/kernel/||"
}

copy_modules() { # DEST-ROOT MODULE...
  local dest=$1; shift
  local m f n=0
  for m in "$@"; do
    local files
    files=$(module_files "$m")
    if [ -z "$files" ]; then
      if grep -q "/$m.ko" "$WORK/kernel/lib/modules/$KVER/modules.builtin" 2>/dev/null; then continue; fi
      log "warning: module $m is not in $KPKG (skipped)"; continue
    fi
    for f in $files; do
      [ -f "$dest/$f" ] && continue
      mkdir -p "$dest/$(dirname "$f")"
      cp "$WORK/kernel/$f" "$dest/$f"
      n=$((n + 1))
    done
  done
  cp "$WORK/kernel/lib/modules/$KVER/modules.builtin" "$WORK/kernel/lib/modules/$KVER/modules.order" \
    "$dest/lib/modules/$KVER/" 2>/dev/null || true
  [ -f "$WORK/kernel/lib/modules/$KVER/modules.builtin.modinfo" ] \
    && cp "$WORK/kernel/lib/modules/$KVER/modules.builtin.modinfo" "$dest/lib/modules/$KVER/"
  depmod -b "$dest" "$KVER"
}

# --- base initramfs ------------------------------------------------------------------------------
log "building the initramfs (kernel $KVER)"
R="$WORK/initramfs"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,boot,media/cdrom,var/log,lib/modules/"$KVER"}
ln -s ../run "$R/var/run"
cp /bin/busybox "$R/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || [ -e "$R/bin/$applet" ] || ln -s busybox "$R/bin/$applet"
done
for d in sbin usr/bin usr/sbin; do
  for applet in $(/bin/busybox --list); do
    [ -e "$R/$d/$applet" ] || ln -s /bin/busybox "$R/$d/$applet"
  done
done
copy_modules "$R" "${BASE_MODULES[@]}"

# Debian's qemu-guest-agent with the shared libraries ldd lists.
QGA=$(command -v qemu-ga)
rm -f "$R/usr/sbin/qemu-ga"
cp "$QGA" "$R/usr/sbin/qemu-ga"
ldd "$QGA" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
  mkdir -p "$R$(dirname "$lib")"
  cp -L "$lib" "$R$lib"
done
[ -e "$R/lib64/ld-linux-x86-64.so.2" ] || die "ldd did not list the dynamic loader"

# winqga: the Windows personality's guest agent (a static binary; see winqga/winqga.c).
gcc -static -Os -Wall -o "$WORK/winqga" "$HERE/winqga/winqga.c" 2>"$WORK/winqga.log" \
  || die "compiling winqga failed: $(tail -n 20 "$WORK/winqga.log")"
strip "$WORK/winqga" 2>/dev/null || true
rm -f "$R/usr/sbin/winqga"
cp "$WORK/winqga" "$R/usr/sbin/winqga"

# init, scripts and config.
(cd "$HERE/rootfs" && find . ! -type d) | while read -r f; do rm -f "$R/$f"; done # never write through a link
cp -a "$HERE/rootfs/." "$R/"
chmod 0755 "$R/init" "$R"/etc/virtplay/*.sh "$R"/etc/virtplay/win/*.sh "$R/sbin/shutdown" "$R/etc/acpi/PWRF/00000080"
rm -f "$R/sbin/init"; ln -s /bin/busybox "$R/sbin/init"
cat >"$R/etc/os-release" <<EOF
PRETTY_NAME="virtplay stand-in guest (Debian $KVER kernel, busybox)"
NAME="virtplay stand-in"
ID=virtplay-standin
ID_LIKE=windows
VERSION_ID=1
VERSION="1 (stand-in for a Windows guest before the virtio bootstrap)"
VARIANT="stand-in"
VARIANT_ID=standin
EOF
echo "$KVER" >"$R/etc/virtplay/kernel-version"

(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n >"$WORK/initrd.gz"

# --- the driver archive: virtio_blk.ko and the modules.* files that know it ----------------------
D="$WORK/driver"
mkdir -p "$D/lib/modules/$KVER"
cp -a "$R/lib/modules/$KVER/." "$D/lib/modules/$KVER/"
copy_modules "$D" "${DRIVER_MODULES[@]}"
mkdir -p "$D/etc/virtplay/drivers.d"
printf '%s\n' "${DRIVER_MODULES[@]}" >"$D/etc/virtplay/drivers.d/viostor"
# Keep only what is new or changed against the base initramfs.
(cd "$D" && find . -type f | while read -r f; do
  if [ -f "$R/$f" ] && cmp -s "$f" "$R/$f"; then rm -f "$f"; fi
done && find . -type d -empty -delete)
(cd "$D" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n >"$WORK/virtio_blk.cpio.gz"

# --- boot disk image -----------------------------------------------------------------------------
log "building the boot disk"
IMG="$WORK/standin.img"
IMG_MB=64
truncate -s ${IMG_MB}M "$IMG"
printf 'label: dos\nstart=2048, type=6, bootable\n' | sfdisk --quiet "$IMG"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$IMG" bs=440 count=1 conv=notrunc status=none
PART_SECTORS=$(( IMG_MB * 2048 - 2048 ))
mkfs.fat -F 16 -n STANDIN --offset 2048 "$IMG" $(( PART_SECTORS / 2 )) >/dev/null
syslinux --install --offset 1048576 "$IMG"
cat >"$WORK/syslinux.cfg" <<'EOF'
DEFAULT standin
PROMPT 0
TIMEOUT 0
LABEL standin
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND console=ttyS0,115200 panic=10
EOF
echo "virtplay-standin-$(date -u +%Y%m%dT%H%M%SZ)" >"$WORK/marker.txt"
export MTOOLS_SKIP_CHECK=1
for f in vmlinuz initrd.gz syslinux.cfg marker.txt; do
  mcopy -i "$IMG@@1M" "$WORK/$f" "::$f"
done

# --- driver ISO ----------------------------------------------------------------------------------
log "building the driver ISO"
ISO_DIR="$WORK/iso"
mkdir -p "$ISO_DIR"
cp -a "$HERE/iso/." "$ISO_DIR/"
cp "$WORK/virtio_blk.cpio.gz" "$ISO_DIR/linux/virtio_blk.cpio.gz"
echo "$KVER" >"$ISO_DIR/linux/kernel-version"
# Placeholder folders laid out like the real virtio-win ISO: <driver>/<windows version>/<arch>/.
for drv in viostor vioscsi NetKVM vioserial Balloon; do
  # The .inf names of the real ISO: viostor.inf, vioscsi.inf, netkvm.inf, vioser.inf, balloon.inf.
  lower=$(echo "$drv" | tr 'A-Z' 'a-z')
  [ "$drv" = vioserial ] && lower=vioser
  for os in 2k8 2k8R2 w7 w8 w8.1 2k12 2k12R2 w10 2k16 2k19 2k22 w11 2k25; do
    case "$os" in
      2k8R2|2k12|2k12R2|2k16|2k19|2k22|2k25|w11) arches="amd64" ;;
      *) arches="x86 amd64" ;;
    esac
    for arch in $arches; do
      mkdir -p "$ISO_DIR/$drv/$os/$arch"
      # VirtplaySigned: whether the Windows personality's pnputil treats the package as signed.
      printf '; placeholder: the virtplay stand-in ISO carries no Windows driver.\n; %s for %s %s\n[Version]\nSignature="$WINDOWS NT$"\nProvider=%%VENDOR%%\nCatalogFile=%s.cat\nDriverVer=08/28/2023,100.94.104.24000\nVirtplaySigned=yes\n' \
        "$drv" "$os" "$arch" "$lower" >"$ISO_DIR/$drv/$os/$arch/$lower.inf"
    done
  done
done
mkdir -p "$ISO_DIR/guest-agent"
for a in x86_64 i386; do
  printf 'placeholder: the virtplay stand-in has no Windows installer (see make-disk.sh --no-guest-tools)\n' \
    >"$ISO_DIR/guest-agent/qemu-ga-$a.msi"
done
xorriso -as mkisofs -quiet -o "$WORK/virtio-win-standin.iso" -V VIRTIO_WIN_STANDIN -R -J \
  "$ISO_DIR" 2>/dev/null
# Variants: viostor unsigned (64-bit Windows installs it, then refuses to load it: Code 52) ...
find "$ISO_DIR/viostor" -name '*.inf' -exec sed -i 's/^VirtplaySigned=yes$/VirtplaySigned=no/' {} +
xorriso -as mkisofs -quiet -o "$WORK/virtio-win-standin-unsigned.iso" -V VIRTIO_WIN_STANDIN -R -J \
  "$ISO_DIR" 2>/dev/null
# ... and an ISO without the folders for Windows Server 2008 R2 and 2016.
find "$ISO_DIR/viostor" -name '*.inf' -exec sed -i 's/^VirtplaySigned=no$/VirtplaySigned=yes/' {} +
rm -rf "$ISO_DIR/viostor/2k8R2" "$ISO_DIR/viostor/2k16"
xorriso -as mkisofs -quiet -o "$WORK/virtio-win-standin-nofolder.iso" -V VIRTIO_WIN_STANDIN -R -J \
  "$ISO_DIR" 2>/dev/null

# --- publish -------------------------------------------------------------------------------------
for f in standin.img virtio-win-standin.iso virtio-win-standin-unsigned.iso virtio-win-standin-nofolder.iso \
  vmlinuz initrd.gz virtio_blk.cpio.gz; do
  mv -f "$WORK/$f" "$OUT/$f"
done
cat >"$OUT/build.env" <<EOF
# written by test/lab/guest/build.sh
KERNEL_PACKAGE=$KPKG
KERNEL_VERSION=$KVER
IMAGE=$OUT/standin.img
ISO=$OUT/virtio-win-standin.iso
ISO_UNSIGNED=$OUT/virtio-win-standin-unsigned.iso
ISO_NOFOLDER=$OUT/virtio-win-standin-nofolder.iso
INITRD_BYTES=$(stat -c %s "$OUT/initrd.gz")
DRIVER_BYTES=$(stat -c %s "$OUT/virtio_blk.cpio.gz")
EOF
chmod 0644 "$OUT"/standin.img "$OUT"/virtio-win-standin*.iso "$OUT"/vmlinuz "$OUT"/initrd.gz "$OUT"/virtio_blk.cpio.gz
rm -rf "$WORK"
echo "$FP" >"$OUT/.fingerprint"
log "done in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s: $OUT"
