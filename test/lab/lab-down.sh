#!/usr/bin/env bash
# Stop what lab-up.sh started, and nothing else.
#
#   lab-down.sh [--purge]
#
# As root: stops the lab guests, the lab users' session libvirtd (and every other process those
# dedicated users run) and every lab sshd (one per 16 hosts; by pid file, else by config path).
# Lab users are the vplab<i> accounts lab-up.sh made (comment "virtplay lab host <i>"). --purge
# also undefines the guests, removes the lab users with their homes, their runtime dirs and .lab/.
# As an ordinary user: stops the lab guests in the caller's session libvirt; --purge also undefines
# them and removes .lab/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lab-common.sh"
export PATH=$LAB_PATH:$PATH LC_ALL=C.UTF-8

purge=0
for arg in "$@"; do
  case $arg in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) lab_die "unknown argument: $arg (usage: lab-down.sh [--purge])" ;;
  esac
done
mode=stop
((purge)) && mode=purge

if ((EUID != 0)); then
  if [[ -d $LAB/hosts/local/guests ]]; then
    # The guests lab-up.sh made here are those it kept an original of.
    specs=()
    for f in "$LAB/hosts/local/guests"/*.xml; do if [[ -e $f ]]; then specs+=("$(basename "$f" .xml)::0"); fi; done
    bash "$LAB_SRC/host-batch.sh" "$mode" "$LAB/hosts/local/guests" "$LAB/hosts/local/disks" own "${specs[@]}" ||
      lab_die "could not $mode the lab guests in your session libvirt"
  fi
  if ((purge)); then rm -rf "$LAB" || lab_die "could not remove $LAB"; fi
  echo "lab: down ($mode) in your session libvirt"
  exit 0
fi

# The lab's users: vplab<i> accounts whose comment says lab-up.sh made them.
mapfile -t lab_hosts < <(getent passwd | awk -F: '$1 ~ /^vplab[0-9]+$/ && $5 ~ /^virtplay lab host / {
  sub(/^vplab/, "", $1); print $1 }' | sort -n)

pids_of_uid() { # UID -> pids of that user's processes
  { stat -c '%u %n' /proc/[0-9]* 2>/dev/null || true; } | awk -v u="$1" '$1 == u { sub(/^\/proc\//, "", $2); print $2 }'
}

host_down() { # I
  local i=$1 user uid pids n
  user=$(lab_user "$i")
  uid=$(id -u "$user")
  # Guests first, through libvirt (a clean destroy), when this user's libvirt is running at all.
  if [[ $mode == purge || -n $(pids_of_uid "$uid") ]]; then
    lab_batch_as "$i" "$mode" || echo "lab: host $i: could not $mode its guests through libvirt" >&2
  fi
  # Then the rest of this dedicated user's processes: session libvirtd, virtlogd, qemu.
  pids=$(pids_of_uid "$uid")
  [[ -z $pids ]] || kill $pids 2>/dev/null || true
  for ((n = 0; n < 50; n++)); do
    pids=$(pids_of_uid "$uid")
    [[ -n $pids ]] || break
    sleep 0.1
  done
  [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
  if ((purge)); then
    userdel -r "$user" 2>/dev/null || userdel "$user" || echo "lab: could not remove user $user" >&2
    rm -rf "$(lab_runtime_dir "$i")"
  fi
}

mapfile -t sshd_groups < <(lab_sshd_groups_present)
lab_stop_all_sshd
pids=()
for i in "${lab_hosts[@]}"; do
  host_down "$i" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
if ((purge)); then
  rmdir /run/vplab 2>/dev/null || true
  rm -rf "$LAB"
fi
((failed == 0)) || lab_die "$failed lab hosts did not go down cleanly"
echo "lab: down ($mode): ${#sshd_groups[@]} sshd instance(s) stopped, ${#lab_hosts[@]} lab hosts${lab_hosts:+ (vplab${lab_hosts[0]}..vplab${lab_hosts[-1]})} stopped"
