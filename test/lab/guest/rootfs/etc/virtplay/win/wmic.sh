# WMIC.exe path Win32_PnPEntity get ConfigManagerErrorCode,PNPDeviceID /value
# (the PCI devices only; problem codes as Device Manager shows them).
. /etc/virtplay/win/winlib.sh
args=$(lower "$*")
case "$args" in
  "path win32_pnpentity get configmanagererrorcode,pnpdeviceid /value"|"path win32_pnpentity get configmanagererrorcode, pnpdeviceid /value") ;;
  *) printf 'Node - STANDIN\nERROR:\nDescription = Invalid query\n' >&2; win_exit 44135 ;;
esac
pci_devices | while read -r n ven dev sven sdev rev; do
  printf '\n\nConfigManagerErrorCode=%s\nPNPDeviceID=%s\n' "$(dev_code "$ven" "$dev")" "$(pnp_id "$n" "$ven" "$dev" "$sven" "$sdev" "$rev")"
done
printf '\n\n'
win_exit 0
