#!/bin/sh
# Prints "bound" when a virtio block device has the virtio_blk driver bound, "unbound" otherwise
# (the Linux analogue of looking for PCI 1af4:1001/1042 with a driver in guest-get-devices).
for d in /sys/bus/virtio/drivers/virtio_blk/virtio*; do
  [ -e "$d" ] && { echo bound; exit 0; }
done
echo unbound
