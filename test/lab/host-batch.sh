#!/usr/bin/env bash
# One lab host's libvirt work, run AS that host's user (lab-up.sh / lab-down.sh feed it through
# `runuser ... bash -s`; as an ordinary user they run it directly). Talks only to qemu:///session.
#
#   host-batch.sh MODE ORIGDIR DISKDIR SCOPE SPEC...
#     MODE     up | reset | stop | purge
#     ORIGDIR  where each guest's original XML lives (<name>.xml); `up` writes new ones there
#     DISKDIR  where each guest's boot disk lives (<name>.qcow2); nothing else is kept there
#     SCOPE    all = every domain of this libvirt belongs to the lab (a dedicated lab user);
#              own = only the guests named in SPEC do (an ordinary user's own session libvirt)
#     SPEC     NAME:NIC[,NIC...]:CDROM[:OSVARIANT]  e.g. win05:e1000,rtl8139:1:win2k8r2
#              (CDROM 1 = empty IDE CD-ROM; OSVARIANT: virt-install --os-variant, default win2k8r2)
#
# up    : defines every SPEC guest that is missing (from ORIGDIR when known, else virt-install),
#         records new originals, removes lab guests (win<NN>, deb<NN>) that are no longer wanted.
# reset : stops and undefines the lab's guests, defines the originals again, removes extra disks.
# stop  : stops the lab's running guests.   purge: stop + undefine + remove disks and originals.
# Exits non-zero with a message on stderr when the end state is not the one asked for.
set -euo pipefail

URI=qemu:///session
mode=$1 origdir=$2 diskdir=$3 scope=$4
shift 4
specs=("$@")
cd "$HOME"

fail() { echo "host-batch($(id -un)): $*" >&2; exit 1; }
v() { virsh -q -c "$URI" "$@"; }

# virsh's own command parser takes several commands in one process (';'-separated); a path is
# passed in single quotes, so refuse the one character that would break that.
vquote() {
  case $1 in *"'"*) fail "path contains a single quote: $1" ;; esac
  printf "'%s'" "$1"
}

names=()
for spec in "${specs[@]}"; do names+=("${spec%%:*}"); done

wanted() {
  local n
  for n in "${names[@]}"; do [[ $n == "$1" ]] && return 0; done
  return 1
}

# The domains this batch may touch, as ids: UUIDs for a dedicated lab user (safe tokens for
# virsh's command parser whatever the names), our own (safe) names in an ordinary user's libvirt.
# One virsh process lists both the active and all domains (virsh's `echo` marks the border; it
# drops its newline under -q, hence plain virsh here).
read_ids() { # KIND (uuid|name) -> arrays active[] and every[]
  local line part=active out
  active=() every=()
  out=$(virsh -c "$URI" "list --$1; echo @@; list --all --$1")
  while read -r line; do
    [[ -n $line ]] || continue
    [[ $line == @@ ]] && { part=all; continue; }
    [[ $scope == all ]] || wanted "$line" || continue
    if [[ $part == active ]]; then active+=("$line"); else every+=("$line"); fi
  done <<<"$out"
}

id_kind() { if [[ $scope == all ]]; then echo uuid; else echo name; fi; }

# The end state, checked by name: STATE = defined (up), pristine (reset), stopped, gone (purge).
expect() {
  local n missing=() extra=()
  read_ids name
  if [[ $1 != defined ]] && ((${#active[@]})); then fail "still running after $mode: ${active[*]}"; fi
  case $1 in
    defined | pristine)
      for n in "${names[@]}"; do [[ " ${every[*]} " == *" $n "* ]] || missing+=("$n"); done
      ((${#missing[@]} == 0)) || fail "guests not defined after $mode: ${missing[*]}"
      if [[ $1 == pristine ]]; then
        for n in "${every[@]}"; do wanted "$n" || extra+=("$n"); done
        ((${#extra[@]} == 0)) || fail "guests left over after $mode: ${extra[*]}"
      fi
      ;;
    gone) ((${#every[@]} == 0)) || fail "guests still defined after $mode: ${every[*]}" ;;
  esac
}

# virsh commands that stop / undefine the lab's domains (after read_ids).
stop_cmds() { local id; for id in "${active[@]}"; do printf 'destroy %s; ' "$id"; done; }
undefine_cmds() {
  local id
  for id in "${every[@]}"; do
    printf 'undefine --managed-save --snapshots-metadata --checkpoints-metadata --nvram %s; ' "$id"
  done
}

ensure_disk() {
  local disk="$diskdir/$1.qcow2"
  [[ -f $disk ]] || qemu-img create -q -f qcow2 "$disk" 1G
}

remove_extra_disks() {
  local f base
  for f in "$diskdir"/*; do
    [[ -e $f ]] || continue
    base=${f##*/}
    if [[ $base == *.qcow2 ]] && wanted "${base%.qcow2}"; then continue; fi
    rm -rf -- "$f"
  done
}

# A Windows-era guest as virt-install writes it (TESTBED.md): machine pc, TCG, IDE boot disk,
# e1000/rtl8139 NICs on user-mode networking, optionally an empty IDE CD-ROM; labelled with the
# OS variant (libosinfo id in <metadata>) the spec names.
new_xml() { # NAME NICS CDROM OS OUT
  local name=$1 nics=$2 cdrom=$3 os=$4 out=$5 nic
  local args=(--connect "$URI" --print-xml --name "$name" --virt-type qemu --machine pc
    --memory 256 --vcpus 1 --os-variant "$os" --import --noautoconsole
    --disk "$diskdir/$name.qcow2,format=qcow2,bus=ide")
  [[ $cdrom == 1 ]] && args+=(--disk device=cdrom,bus=ide)
  IFS=, read -r -a nic_list <<<"$nics"
  for nic in "${nic_list[@]}"; do args+=(--network "user,model=$nic"); done
  virt-install "${args[@]}" >"$out"
}

mkdir -p "$origdir" "$diskdir"

case $mode in
up)
  have=" $(v list --all --name | tr '\n' ' ') "
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for spec in "${specs[@]}"; do
    IFS=: read -r name nics cdrom os <<<"$spec"
    os=${os:-win2k8r2}
    ensure_disk "$name"
    if [[ $have == *" $name "* ]]; then
      [[ $scope == all || -f $origdir/$name.xml ]] ||
        fail "a guest named $name already exists in $URI but the lab did not make it: rename or remove it"
      continue
    fi
    if [[ ! -f $origdir/$name.xml ]]; then
      # virt-install (~0.5 s of Python each) runs once per kind of guest; the other guests of
      # that kind get its XML with their own name and disk, and a new UUID and MACs from libvirt.
      kind="${nics//,/+}-$cdrom-$os"
      if [[ ! -f $tmp/kind.$kind.xml ]]; then
        new_xml "$name" "$nics" "$cdrom" "$os" "$tmp/kind.$kind.xml"
        echo "$name" >"$tmp/kind.$kind.name"
      fi
      from=$(<"$tmp/kind.$kind.name")
      xml=$(grep -v -e '<uuid>' -e '<mac address=' "$tmp/kind.$kind.xml")
      xml=${xml//"<name>$from</name>"/"<name>$name</name>"}
      xml=${xml//"$diskdir/$from.qcow2"/"$diskdir/$name.qcow2"}
      printf '%s\n' "$xml" >"$tmp/$name.xml"
      v define "$tmp/$name.xml" >/dev/null
      # The original is what libvirt made of it (addresses, controllers): defining it again is
      # then an exact restore.
      v dumpxml --inactive "$name" >"$origdir/$name.xml"
    else
      v define "$origdir/$name.xml" >/dev/null
    fi
  done
  # Lab guests that are no longer wanted (an earlier, bigger lab) go; anything else is left alone.
  if [[ $scope == all ]]; then
    candidates=$(v list --all --name)
  else
    candidates=$(for f in "$origdir"/*.xml; do if [[ -e $f ]]; then basename "$f" .xml; fi; done)
  fi
  for name in $candidates; do
    [[ $name =~ ^(win|deb)[0-9]+$ ]] && ! wanted "$name" || continue
    v destroy "$name" >/dev/null 2>&1 || true
    v undefine --managed-save --snapshots-metadata --nvram "$name" >/dev/null 2>&1 || true
    rm -f -- "$origdir/$name.xml" "$diskdir/$name.qcow2"
  done
  expect defined
  ;;
reset)
  # One virsh process: stop, undefine, define the originals.
  read_ids "$(id_kind)"
  cmds="$(stop_cmds)$(undefine_cmds)"
  for name in "${names[@]}"; do
    [[ -f $origdir/$name.xml ]] || fail "no original XML for $name (run lab-up.sh first)"
    ensure_disk "$name"
    cmds+="define $(vquote "$origdir/$name.xml"); "
  done
  v "$cmds" >/dev/null || true # the end state is checked below
  remove_extra_disks
  expect pristine
  ;;
stop)
  read_ids "$(id_kind)"
  cmds=$(stop_cmds)
  [[ -z $cmds ]] || v "$cmds" >/dev/null || true
  expect stopped
  ;;
purge)
  read_ids "$(id_kind)"
  cmds="$(stop_cmds)$(undefine_cmds)"
  [[ -z $cmds ]] || v "$cmds" >/dev/null || true
  for name in "${names[@]}"; do rm -f -- "$origdir/$name.xml" "$diskdir/$name.qcow2"; done
  expect gone
  ;;
*) fail "unknown mode: $mode" ;;
esac
