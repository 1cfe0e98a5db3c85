# pnputil.exe, the two syntaxes virtplay uses:
#   Windows 6.x:  pnputil.exe -i -a D:\viostor\2k8R2\amd64\viostor.inf   (add and install)
#                 pnputil.exe -a D:\NetKVM\2k8R2\amd64\netkvm.inf        (add to the driver store)
#   Windows 10:   pnputil.exe /add-driver D:\...\viostor.inf /install
#                 pnputil.exe /add-driver D:\...\netkvm.inf
# Exit 0 on success, 259 when the package is already installed/up to date, 2 when the .inf is not
# found. What Windows would record goes to drivers.txt on the boot partition (the guest's C:).
# viostor signed (VirtplaySigned=yes in the .inf) and installed: linux/install.sh from the ISO
# really installs virtio_blk (boot set + loaded now). Unsigned: recorded only, the boot set is left
# alone and nothing is loaded (64-bit Windows refuses the driver: Code 52).
. /etc/virtplay/win/winlib.sh
install=0 add=0 modern=0 inf= bad=
while [ $# -gt 0 ]; do
  case "$(lower "$1")" in
    -i) install=1 ;;
    -a) add=1; [ $# -gt 1 ] && { shift; inf=$1; } ;;
    /add-driver) add=1; modern=1; [ $# -gt 1 ] && { shift; inf=$1; } ;;
    /install) install=1; modern=1 ;;
    /subdirs) modern=1 ;;
    -f) ;;
    *) bad=$1 ;;
  esac
  shift
done

printf 'Microsoft PnP Utility\n\n'
legacy_only=0
[ "$PERSONALITY" = win2k8r2 ] && legacy_only=1
if [ "$add" = 0 ] || [ -z "$inf" ] || [ -n "$bad" ] || { [ "$modern" = 1 ] && [ "$legacy_only" = 1 ]; }; then
  if [ "$legacy_only" = 1 ]; then
    cat <<'USAGE'
Usage:
------
pnputil.exe [-f | -i] [ -? | -a | -d | -e ] <INF name>
Examples:
pnputil.exe -a a:\usbcam\USBCAM.INF      -> Add package specified by USBCAM.INF
pnputil.exe -a c:\drivers\*.inf          -> Add all packages in c:\drivers\
pnputil.exe -i -a a:\usbcam\USBCAM.INF   -> Add and install driver package
pnputil.exe -e                           -> Enumerate all 3rd party packages
pnputil.exe -d oem0.inf                  -> Delete package oem0.inf
pnputil.exe -f -d oem0.inf               -> Force delete package oem0.inf
pnputil.exe -?                           -> This usage screen
USAGE
  else
    echo "Invalid command line."
  fi
  win_exit 87
fi

shown=$(winbase "$inf")
lp=$(winpath "$inf") || lp=
if [ -z "$lp" ] || [ ! -f "$lp" ]; then
  if [ "$modern" = 1 ]; then
    printf 'Adding driver package:  %s\nFailed to add driver package: The system cannot find the file specified.\n\nTotal driver packages:  0\nAdded driver packages:  0\n' "$shown"
  else
    printf 'Processing inf :            %s\nAdding the driver package failed : The system cannot find the file specified.\n\n\nTotal attempted:              1\nNumber successfully imported: 0\n\n' "$shown"
  fi
  win_exit 2
fi

name=$(lower "$(basename "$lp")"); name=${name%.inf}
signed=unsigned
grep -qi '^VirtplaySigned=yes' "$lp" && signed=signed
state=staged
[ "$install" = 1 ] && state=installed
prev=$(drv_line "$name")
# Matching devices present? (PCI ids per driver)
case "$name" in
  viostor) ids='6900:4097 6900:4162' ;;
  netkvm) ids='6900:4096 6900:4161' ;;
  vioser) ids='6900:4099 6900:4163' ;;
  balloon) ids='6900:4098 6900:4165' ;;
  vioscsi) ids='6900:4100 6900:4168' ;;
  *) ids= ;;
esac
device=0
for d in /sys/bus/pci/devices/*; do
  id="$(($(cat "$d/vendor"))):$(($(cat "$d/device")))"
  case " $ids " in *" $id "*) device=1 ;; esac
done

uptodate=0
case "$prev" in
  *": $signed, installed"*) uptodate=1 ;;
  *": $signed, staged"*) [ "$state" = staged ] && uptodate=1 ;;
esac
oem=$(printf '%s\n' "$prev" | sed -n 's/.*, \(oem[0-9]*\.inf\).*/\1/p')
if [ -z "$oem" ]; then
  n=$(grep -c . "$DRIVERS_TXT" 2>/dev/null || true)
  oem=oem$((${n:-0} + 1)).inf
fi
case "$prev" in *", installed"*) state=installed ;; esac

if [ "$uptodate" = 0 ]; then
  if [ "$name" = viostor ] && [ "$state" = installed ] && [ "$signed" = signed ]; then
    root=$(cdrom_root)
    if ! sh "$root/linux/install.sh" >>/var/log/pnputil.log 2>&1; then
      if [ "$modern" = 1 ]; then
        printf 'Adding driver package:  %s\nFailed to add driver package: A device attached to the system is not functioning.\n\nTotal driver packages:  0\nAdded driver packages:  0\n' "$shown"
      else
        printf 'Processing inf :            %s\nAdding the driver package failed : A device attached to the system is not functioning.\n\n\nTotal attempted:              1\nNumber successfully imported: 0\n\n' "$shown"
      fi
      win_exit 31
    fi
  fi
  mkdir -p "$BOOT/windows"
  { grep -vi "^$name:" "$DRIVERS_TXT" 2>/dev/null || true; echo "$name: $signed, $state, $oem"; } >"$DRIVERS_TXT.new"
  mv -f "$DRIVERS_TXT.new" "$DRIVERS_TXT"
  sync
fi

if [ "$modern" = 1 ]; then
  printf 'Adding driver package:  %s\n' "$shown"
  if [ "$uptodate" = 1 ]; then
    printf 'Driver package added successfully. (Already exists in the system)\nPublished Name:         %s\n' "$oem"
    [ "$install" = 1 ] && [ "$device" = 1 ] && echo "Driver package is up-to-date on device."
  else
    printf 'Driver package added successfully.\nPublished Name:         %s\n' "$oem"
    [ "$install" = 1 ] && [ "$device" = 1 ] && echo "Driver package installed on matching devices."
  fi
  printf '\nTotal driver packages:  1\nAdded driver packages:  1\n'
else
  printf 'Processing inf :            %s\n' "$shown"
  [ "$install" = 1 ] && [ "$device" = 1 ] && [ "$uptodate" = 0 ] && echo "Successfully installed the driver on a device on the system."
  printf 'Driver package added successfully.\nPublished name :            %s\n\n\nTotal attempted:              1\nNumber successfully imported: 1\n\n' "$oem"
fi
[ "$uptodate" = 1 ] && win_exit 259
win_exit 0
