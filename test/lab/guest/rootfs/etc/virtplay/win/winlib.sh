# Shared helpers of the Windows programs the stand-in's Windows personality emulates (sourced by
# cmd.sh, pnputil.sh, wmic.sh, powershell.sh; busybox sh). winqga runs them for guest-exec; their
# LF line ends become CRLF there. A Windows exit code (0..2^31) goes to the file $WINQGA_EXITCODE,
# since a Linux exit status stops at 255.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
PERSONALITY=${WINQGA_PERSONALITY:-$(cat /run/virtplay/personality 2>/dev/null || echo win2k8r2)}
BOOT=$(cat /run/virtplay/boot-mount 2>/dev/null || echo /boot)
# The guest's C: drive keeps what Windows would keep in its registry and driver store.
DRIVERS_TXT=$BOOT/windows/drivers.txt

lower() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }

# win_exit CODE: ends the program with a Windows exit code.
win_exit() {
  [ -n "${WINQGA_EXITCODE:-}" ] && echo "$1" >"$WINQGA_EXITCODE"
  exit $(($1 % 256))
}

# Drive D: is the first CD-ROM. Windows sees newly inserted or changed media at once: mount the
# medium when needed, and again when the one mounted was changed (its volume descriptors differ).
cdrom_root() {
  dev=$(awk '$2 == "/media/cdrom" { print $1; exit }' /proc/mounts)
  if [ -n "$dev" ]; then
    now=$(dd if="$dev" bs=2048 skip=16 count=48 2>/dev/null | md5sum)
    if [ "$now" = "$(cat /run/virtplay/cdrom-id 2>/dev/null)" ]; then echo /media/cdrom; return 0; fi
    umount -l /media/cdrom 2>/dev/null
  fi
  for c in /dev/sr*; do
    [ -b "$c" ] || continue
    if mount -t iso9660 -o ro "$c" /media/cdrom 2>/dev/null; then
      dd if="$c" bs=2048 skip=16 count=48 2>/dev/null | md5sum >/run/virtplay/cdrom-id
      echo /media/cdrom
      return 0
    fi
  done
  return 1
}

# winpath 'D:\dir\file': prints the Linux path of an existing file or folder, looked up
# case-insensitively like Windows; fails when there is none.
winpath() {
  case "$1" in [A-Za-z]:*) ;; *) return 1 ;; esac
  [ "$(lower "${1%%:*}")" = d ] || return 1
  root=$(cdrom_root) || return 1
  printf '%s\n' "${1#??}" | tr '\\' '\n' | {
    cur=$root
    while IFS= read -r comp; do
      [ -n "$comp" ] && [ "$comp" != . ] || continue
      match=$(ls -1a "$cur" 2>/dev/null | awk -v w="$comp" 'tolower($0) == tolower(w) { print; exit }')
      [ -n "$match" ] || exit 1
      cur=$cur/$match
    done
    printf '%s\n' "$cur"
  }
}

# winbase 'X:\a\b.inf': the name after the last backslash.
winbase() { printf '%s\n' "${1##*\\}"; }

# drv_line NAME: the driver's line in drivers.txt ("viostor: signed, installed, oem1.inf"), if any.
drv_line() { grep -i "^$1:" "$DRIVERS_TXT" 2>/dev/null | tail -n 1; }

# pci_devices: "SYSFSNAME VENDOR DEVICE SUBVENDOR SUBDEVICE REVISION" per PCI device (hex, 0x...).
pci_devices() {
  for d in /sys/bus/pci/devices/*; do
    [ -f "$d/vendor" ] || continue
    echo "${d##*/} $(cat "$d/vendor") $(cat "$d/device") $(cat "$d/subsystem_vendor") $(cat "$d/subsystem_device") $(cat "$d/revision")"
  done
}

# dev_code VENDOR DEVICE: the device's Device Manager problem code (ConfigManagerErrorCode):
# 0 working, 28 no driver installed, 52 the driver's signature cannot be verified (not loaded).
dev_code() {
  case "$(($1)):$(($2))" in
    6900:4097|6900:4162) # 1af4:1001/1042 virtio-blk: viostor
      case "$(drv_line viostor)" in
        *unsigned*installed*) echo 52 ;;
        *signed*installed*) echo 0 ;;
        *) echo 28 ;;
      esac ;;
    6900:4096|6900:4161) # virtio-net: NetKVM
      case "$(drv_line netkvm)" in *unsigned*) echo 52 ;; *staged*|*installed*) echo 0 ;; *) echo 28 ;; esac ;;
    6900:4099|6900:4163) echo 0 ;; # virtio-serial: the agent runs on it
    6900:4098|6900:4165) # balloon
      case "$(drv_line balloon)" in *staged*|*installed*) echo 0 ;; *) echo 28 ;; esac ;;
    6900:*) echo 28 ;;
    *) echo 0 ;; # inbox drivers
  esac
}

# pnp_id SYSFSNAME VENDOR DEVICE SUBVENDOR SUBDEVICE REVISION: the device instance id,
# PCI\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00\3&13C0B0C5&0&28 (the last byte: slot*8+function).
pnp_id() {
  bdf=${1#*:}; df=${bdf#*:}; slot=${df%.*}; fn=${df#*.}
  printf 'PCI\\VEN_%04X&DEV_%04X&SUBSYS_%04X%04X&REV_%02X\\3&13C0B0C5&0&%02X\n' \
    $(($2)) $(($3)) $(($5)) $(($4)) $(($6)) $(((0x$slot << 3) | 0x$fn))
}
