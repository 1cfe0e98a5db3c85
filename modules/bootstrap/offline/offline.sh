#!/bin/bash
# virtplay's offline conversion on the KVM host (modules/bootstrap/offline/host-script.ts runs it as
# `bash -c "$(this file)" virtplay-offline MODE ARGS...`, every argument quoted; the work list of
# `inject` comes on stdin). Modes and output: see host-script.ts.
set -euo pipefail
mode=$1; shift
say() { printf 'VIRTPLAY-%s\n' "$*"; }
die() { printf '%s\n' "$1" >&2; exit "${2:-1}"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gf() { guestfish --remote -- "$@"; }
gf_start() {
  command -v guestfish >/dev/null 2>&1 || die "guestfish is missing (Debian package libguestfs-tools)" 3
  eval "$(guestfish --listen)" || die "guestfish --listen failed"
  trap 'guestfish --remote -- exit >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
  # The server outlives a script that dies (a killed run's SSH channel closes): stop it then.
  (
    trap '' HUP PIPE
    while kill -0 $$ 2>/dev/null; do sleep 1; done
    guestfish --remote="$GUESTFISH_PID" -- exit 2>/dev/null || true
  ) </dev/null >/dev/null 2>&1 &
}
lock() { # DISK: one offline step per disk at a time, across runs (a killed run's step may still be ending)
  local f
  f="${TMPDIR:-/tmp}/virtplay-offline-$(printf '%s' "$1" | sha256sum | cut -c1-16).lock"
  exec 9>>"$f"
  flock -w 600 9 || die "another virtplay offline step on $1 is still running after 10 min (lock $f)" 16
}
case $mode in
tools)
  m=''
  for t in guestfish:libguestfs-tools hivexget:libhivex-bin hivexregedit:libwin-hivex-perl qemu-img:qemu-utils; do
    command -v "${t%%:*}" >/dev/null 2>&1 || m="$m ${t%%:*}=${t#*:}"
  done
  say "MISSING$m"
  ;;
preflight)
  disk=$1 fmt=$2 iso=$3
  [ -r "$disk" ] || die "cannot read the disk $disk" 4
  [ -r "$iso" ] || die "cannot read the driver ISO $iso" 4
  # Two appliances: inspection scans every device, and a bare ISO (no partition table) makes it fail.
  gf_start
  gf add-drive "$iso" readonly:true format:raw
  gf run
  gf mount-ro /dev/sda /
  gf find / | sed 's/^/VIRTPLAY-ISO \//'
  gf exit
  gf_start
  gf add-drive "$disk" readonly:true format:"$fmt"
  gf run
  for root in $(gf inspect-os); do
    say "ROOT $root"
    for k in type distro product-name product-variant major-version minor-version arch osinfo; do
      say "I $k=$(gf inspect-get-$k "$root")"
    done
    if [ "$(gf inspect-get-type "$root")" = windows ]; then
      say "I windows-systemroot=$(gf inspect-get-windows-systemroot "$root")"
      say "I windows-current-control-set=$(gf inspect-get-windows-current-control-set "$root")"
    fi
  done
  ;;
inject)
  disk=$1 fmt=$2 iso=$3 root=$4
  lock "$disk"
  gf_start
  gf add-drive "$disk" format:"$fmt"
  gf add-drive "$iso" readonly:true format:raw
  gf run
  isodev=$(gf list-devices | tail -n 1)
  gf mkmountpoint /g
  gf mkmountpoint /i
  gf mount "$root" /g
  gf mount-ro "$isodev" /i
  cpath() { # a path resolved case-insensitively component by component (NTFS through ntfs-3g is case-sensitive); missing components kept as given
    local out='' comp found x gone=0 parts
    IFS=/ read -ra parts <<<"${1#/}"
    for comp in "${parts[@]}"; do
      [ -n "$comp" ] || continue
      found=''
      if [ $gone = 0 ] && [ "$(gf is-dir "${out:-/}")" = true ]; then
        while IFS= read -r x; do if [ "${x,,}" = "${comp,,}" ]; then found=$x; break; fi; done < <(gf ls "${out:-/}")
      fi
      if [ -z "$found" ]; then found=$comp; gone=1; fi
      out="$out/$found"
    done
    printf '%s' "${out:-/}"
  }
  n=0
  declare -A got
  fetch() { # GUEST-PATH -> local copy (read-back: downloaded once per path after the writes)
    local p=$1
    if [ -z "${got[$p]:-}" ]; then n=$((n + 1)); gf download "$(cpath "/g$p")" "$tmp/r$n"; got[$p]=$tmp/r$n; fi
    printf '%s' "${got[$p]}"
  }
  while IFS=$'\t' read -r op a b c; do
    case $op in
    mkdir) gf mkdir-p "$(cpath "/g$a")" ;;
    copy)
      gf cp "$(cpath "/i$a")" "$(cpath "/g$b")"
      say "COPIED $b"
      ;;
    merge) # HIVE PREFIX BASE64-REG
      n=$((n + 1)); h=$(cpath "/g$a")
      gf download "$h" "$tmp/h$n"
      printf '%s' "$c" | base64 -d >"$tmp/h$n.reg"
      hivexregedit --merge "$tmp/h$n" --prefix "$b" "$tmp/h$n.reg"
      gf upload "$tmp/h$n" "$h"
      say "MERGED $a"
      ;;
    append-path) # HIVE PREFIX KEY|VALUE|SUFFIX: SUFFIX appended to a ;-separated REG_EXPAND_SZ list once
      key=${c%%|*} rest=${c#*|}; value=${rest%%|*} suffix=${rest#*|}
      n=$((n + 1)); h=$(cpath "/g$a")
      gf download "$h" "$tmp/h$n"
      cur=$(hivexget "$tmp/h$n" "$key" "$value" 2>/dev/null | tr -d '\r\n' || true)
      case ";$cur;" in
      *";$suffix;"*) say "PATH-HAS $value" ;;
      ";;") say "PATH-ABSENT $value" ;;
      *)
        new="$cur;$suffix"; esc=${new//\\/\\\\}; esc=${esc//\"/\\\"}
        printf '[%s%s]\n"%s"=str(2):"%s"\n' "$b" "$key" "$value" "$esc" >"$tmp/h$n.reg"
        hivexregedit --merge "$tmp/h$n" --prefix "$b" "$tmp/h$n.reg"
        gf upload "$tmp/h$n" "$h"
        say "PATH-SET $value"
        ;;
      esac
      ;;
    read) # HIVE KEY VALUE
      got_file=$(fetch "$a")
      say "READ $a	$b	$c	$(hivexget "$got_file" "$b" "$c" 2>/dev/null | tr -d '\r\n' || true)"
      ;;
    key) # HIVE KEY: does the key exist
      got_file=$(fetch "$a")
      if hivexget "$got_file" "$b" >/dev/null 2>&1; then say "KEY $a	$b	yes"; else say "KEY $a	$b	no"; fi
      ;;
    file) say "FILE $a	$(gf is-file "$(cpath "/g$a")")" ;;
    '') ;;
    *) die "unknown operation $op" 2 ;;
    esac
  done
  gf sync
  gf umount-all
  gf shutdown
  say "INJECT-DONE"
  ;;
backup)
  disk=$1 bak=$2
  lock "$disk"
  if [ -e "$bak" ]; then say "BACKUP-EXISTS $(stat -c %s -- "$bak")"; exit 0; fi
  cp --sparse=always --reflink=auto -- "$disk" "$bak.part" || { rm -f -- "$bak.part"; die "could not copy $disk to $bak.part" 5; }
  sync -- "$bak.part"
  mv -- "$bak.part" "$bak"
  say "BACKUP-MADE $(stat -c %s -- "$bak")"
  ;;
restore)
  disk=$1 bak=$2
  lock "$disk"
  [ -f "$bak" ] || die "the backup $bak is missing" 4
  cp --sparse=always --reflink=auto -- "$bak" "$disk"
  sync -- "$disk"
  say "RESTORED"
  ;;
run)
  disk=$1 fmt=$2 iso=$3 guest=$4
  shift 4
  lock "$disk"
  VIRTPLAY_DISK=$disk VIRTPLAY_DISK_FORMAT=$fmt VIRTPLAY_ISO=$iso VIRTPLAY_GUEST=$guest "$@"
  ;;
drop-backup)
  rm -f -- "$1"
  say "DROPPED"
  ;;
*) die "unknown mode $mode" 2 ;;
esac
