#!/bin/bash
# Prints the stand-in guest's "Windows-era" libvirt domain XML on stdout, as virt-install writes it
# for a Windows Server 2008 R2 guest: domain type qemu (TCG), machine pc, IDE boot disk hda, e1000
# NIC on user networking, ACPI, serial console to a file, the guest-agent channel, no CD-ROM unless
# an ISO is given.
#
# Usage: domain-xml.sh [options] NAME DISK ISO SERIALLOG
#   ISO         driver ISO for an IDE CD-ROM, or "" / "-" for none
#   --machine TYPE      pc (default; IDE) or q35 (no IDE: use --disk-bus sata; CD-ROM on SATA)
#   --memory MB         (default 384)
#   --nic-model MODEL   e1000 (default), rtl8139, virtio, ... or "none"
#   --disk-bus BUS      bus of the boot disk: ide (default), sata, virtio
#   --extra-disk SPEC   one more disk, virt-install --disk syntax (e.g. PATH,bus=virtio,format=raw);
#                       repeatable
#   --no-agent          no guest-agent channel
#   --os-variant ID     libosinfo id for virt-install (default win2k8r2; e.g. win2k16)
#   --connect URI       libvirt URI virt-install asks for capabilities (default qemu:///session)
# virt-install needs a libvirt connection to print XML; run it as the user whose session daemon
# will define the domain. Nothing is defined: the XML is only printed.
set -euo pipefail

machine=pc memory=384 nic=e1000 bus=ide agent=1 osvariant=win2k8r2 uri=${LIBVIRT_DEFAULT_URI:-qemu:///session}
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --machine) machine=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --nic-model) nic=$2; shift 2 ;;
    --disk-bus) bus=$2; shift 2 ;;
    --extra-disk) extra+=(--disk "$2"); shift 2 ;;
    --no-agent) agent=0; shift ;;
    --os-variant) osvariant=$2; shift 2 ;;
    --connect) uri=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "domain-xml.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -ne 4 ]; then
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
name=$1 disk=$2 iso=$3 serial=$4

format=raw
case "$disk" in *.qcow2) format=qcow2 ;; esac
args=(
  --connect "$uri" --print-xml --virt-type qemu --machine "$machine" --os-variant "$osvariant" --import
  --name "$name" --memory "$memory" --vcpus 1
  --disk "path=$disk,bus=$bus,format=$format"
  "${extra[@]}"
  --graphics none --noautoconsole
  --features acpi=on
  --serial "file,path=$serial"
)
if [ -n "$iso" ] && [ "$iso" != - ]; then
  cdbus=ide
  [ "$machine" = pc ] || cdbus=sata
  args+=(--disk "path=$iso,device=cdrom,bus=$cdbus,readonly=on")
fi
if [ "$nic" = none ]; then
  args+=(--network none)
else
  args+=(--network "user,model=$nic")
fi
if [ "$agent" = 1 ]; then
  args+=(--channel "unix,target.type=virtio,name=org.qemu.guest_agent.0")
fi
# The serial log keeps every boot's lines (QEMU truncates a file chardev at each start unless it
# appends; virt-install has no option for the source's append attribute).
xml=$(virt-install "${args[@]}")
printf '%s\n' "$xml" | awk '/<serial type="file">/ {s=1} s && /<source path=/ {sub(/\/>/, " append=\"on\"/>"); s=0} {print}'

