# powershell.exe -NoProfile -NonInteractive -Command SCRIPT, for virtplay's Get-PnpDevice query
# (modules/bootstrap/windows-drivers.ts pnpProblemExec): "Status Problem InstanceId" per virtio
# block device. Windows Server 2008 R2 has PowerShell 2.0, which has no Get-PnpDevice.
. /etc/virtplay/win/winlib.sh
script=
while [ $# -gt 0 ]; do
  case "$(lower "$1")" in
    -command|-c) shift; script="$*"; break ;;
    -*) shift ;;
    *) script="$*"; break ;;
  esac
done
case "$script" in
  *Get-PnpDevice*) ;;
  *) echo "stand-in powershell: only the Get-PnpDevice query is emulated" >&2; win_exit 1 ;;
esac
if [ "$PERSONALITY" = win2k8r2 ]; then
  col=$(printf '%s' "${script%%Get-PnpDevice*}" | wc -c)
  cat >&2 <<MSG
The term 'Get-PnpDevice' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.
At line:1 char:$((col + 14))
+ ${script%%Get-PnpDevice*}Get-PnpDevice <<<< ${script#*Get-PnpDevice}
    + CategoryInfo          : ObjectNotFound: (Get-PnpDevice:String) [], CommandNotFoundException
    + FullyQualifiedErrorId : CommandNotFoundException
 
MSG
  win_exit 1
fi
pci_devices | while read -r n ven dev sven sdev rev; do
  case "$(($ven)):$(($dev))" in 6900:4097|6900:4162) ;; *) continue ;; esac
  code=$(dev_code "$ven" "$dev")
  status=OK
  [ "$code" = 0 ] || status=Error
  echo "$status $code $(pnp_id "$n" "$ven" "$dev" "$sven" "$sdev" "$rev")"
done
win_exit 0
