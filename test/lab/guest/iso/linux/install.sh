#!/bin/sh
# "Driver install" of the virtplay stand-in guest: the Linux analogue of
# `pnputil /add-driver viostor.inf /install` on Windows. Run inside the guest (guest-exec):
#   sh /media/cdrom/linux/install.sh
# (a) copies the driver archive to the boot partition as viostor.gz and lists it on the INITRD line
#     of syslinux.cfg, so the next boot has the virtio block driver;
# (b) loads virtio_blk now, so an attached virtio disk (the dummy disk) gets its driver at once.
# Idempotent. Exit 0 on success; what it did goes to stdout.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BOOT=$(cat /run/virtplay/boot-mount 2>/dev/null || echo /boot)
CFG=$BOOT/syslinux.cfg
ARCHIVE=viostor.gz

[ -f "$CFG" ] || { echo "install: no syslinux.cfg under $BOOT (boot partition not mounted?)" >&2; exit 2; }
want=$(cat "$HERE/kernel-version")
have=$(uname -r)
if [ "$want" != "$have" ]; then
  echo "install: this driver is built for kernel $want, the guest runs $have" >&2
  exit 3
fi

# (a) the boot image.
cp "$HERE/virtio_blk.cpio.gz" "$BOOT/$ARCHIVE.new"
mv -f "$BOOT/$ARCHIVE.new" "$BOOT/$ARCHIVE"
echo "copied virtio_blk.cpio.gz to $BOOT/$ARCHIVE"
if grep -Eiq "^[[:space:]]*INITRD[[:space:]].*$ARCHIVE" "$CFG"; then
  echo "syslinux.cfg already loads $ARCHIVE"
else
  sed -E "s/^([[:space:]]*INITRD[[:space:]]+[^[:space:]]+)/\\1,$ARCHIVE/I" "$CFG" >"$CFG.new"
  grep -Eiq "^[[:space:]]*INITRD[[:space:]].*$ARCHIVE" "$CFG.new" || { rm -f "$CFG.new"; echo "install: no INITRD line in $CFG" >&2; exit 4; }
  mv -f "$CFG.new" "$CFG"
  echo "syslinux.cfg: $(grep -Ei '^[[:space:]]*INITRD' "$CFG" | sed -E 's/^[[:space:]]+//')"
fi
sync

# (b) the running system.
(cd / && gzip -dc "$HERE/virtio_blk.cpio.gz" | cpio -idmu 2>/dev/null)
modprobe virtio_blk
i=0
bound=
while [ "$i" -lt 50 ]; do
  bound=$(ls /sys/bus/virtio/drivers/virtio_blk 2>/dev/null | grep '^virtio' | tr '\n' ' ' || true)
  [ -n "$bound" ] && break
  i=$((i + 1))
  sleep 0.1
done
# (an if, not `[ ] &&`: under set -e a false last test would end the script with status 1)
disks=$(for d in /sys/bus/virtio/drivers/virtio_blk/virtio*/block/*; do if [ -e "$d" ]; then printf '%s ' "${d##*/}"; fi; done)
echo "loaded virtio_blk; bound devices: ${bound:-none}; disks: ${disks:-none}"
