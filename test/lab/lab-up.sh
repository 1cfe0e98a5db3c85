#!/usr/bin/env bash
# Bring the virtplay lab up (idempotent; fast when it is already up). See test/lab/README.md.
#
#   lab-up.sh [--reset]        env: LAB_HOSTS (default 4), LAB_GUESTS (default 5 per host)
#
# As root: installs the missing Debian packages of packages.txt, creates lab hosts 1..N (user
# vplab<i>, runtime dir /run/vplab/<i>, session libvirtd, address 127.0.1.<i>) behind the lab's
# OpenSSH servers on port 2222 (one sshd per 16 hosts, loopback addresses only), defines the
# Windows-era guests (deb01..deb04 + win05, labelled Debian and Windows) in each host's session libvirt, writes .lab/inventory.yml and checks
# every host over SSH. As an ordinary user: defines the guests in the caller's own session libvirt
# (examples/inventory/local.yml).
# --reset: stops and undefines every lab guest and defines the originals again.
# Exit 75: the lab is another size and another process holds the lab lock (lockLab() in lab.ts).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lab-common.sh"
export PATH=$LAB_PATH:$PATH LC_ALL=C.UTF-8

t0=$(lab_now)
reset=0
for arg in "$@"; do
  case $arg in
    --reset) reset=1 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) lab_die "unknown argument: $arg (usage: lab-up.sh [--reset])" ;;
  esac
done
trap 'echo "lab: ERROR: lab-up failed at line $LINENO: $BASH_COMMAND" >&2' ERR

mkdir -p "$LAB"
exec 9>"$LAB/lock"
flock 9 # one lab-up at a time (pretest and test files may call it together)

# --reset acts on the lab as it is; an explicit LAB_HOSTS/LAB_GUESTS wins.
if ((reset)); then
  hosts=${LAB_HOSTS:-$(lab_state_get hosts 4)}
  guests=${LAB_GUESTS:-$(lab_state_get guests 5)}
else
  hosts=${LAB_HOSTS:-4}
  guests=${LAB_GUESTS:-5}
fi
[[ $hosts =~ ^[0-9]+$ ]] && ((hosts >= 1 && hosts <= 254)) || lab_die "LAB_HOSTS must be 1..254, not '$hosts'"
[[ $guests =~ ^[0-9]+$ ]] && ((guests >= 1 && guests <= 99)) || lab_die "LAB_GUESTS must be 1..99, not '$guests'"
hosts=$((10#$hosts)) guests=$((10#$guests))
# Resizing a lab someone else holds (lockLab() in a test or bench) would pull hosts or guests
# from under it: refuse with 75 (EX_TEMPFAIL; ensureLab() then waits for the lock and retries).
if [[ -f $LAB_STATE ]] && [[ $(lab_state_get hosts 0) != "$hosts" || $(lab_state_get guests 0) != "$guests" ]]; then
  holder=$(lab_lock_holder)
  if [[ -n $holder ]]; then
    echo "lab: ERROR: the lab is $(lab_state_get hosts 0)x$(lab_state_get guests 0) and locked by pid $holder ($LAB/test.lock): not resizing it to ${hosts}x$guests now (take lockLab() first)" >&2
    exit 75
  fi
fi
mapfile -t specs < <(lab_guest_specs "$guests")
names=("${specs[@]%%:*}")

# --- packages -------------------------------------------------------------------------------
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LAB_SRC/packages.txt" | awk '{print $1}')
installed=" $({ dpkg-query -W -f='${db:Status-Abbrev}${Package} \n' "${packages[@]}" 2>/dev/null || true; } |
  awk '/^ii/{print $2}' | tr '\n' ' ') "
missing=()
for p in "${packages[@]}"; do [[ $installed == *" $p "* ]] || missing+=("$p"); done
if ((${#missing[@]})); then
  ((EUID == 0)) || lab_die "missing Debian packages: ${missing[*]} (run 'npm run lab:up' once as root, or: sudo apt-get install --no-install-recommends ${missing[*]})"
  echo "lab: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || lab_die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    lab_die "apt-get install failed for: ${missing[*]}"
fi

# --- libguestfs appliance kernel (offline conversion) ----------------------------------------
# A host without a kernel in /boot (this container) gets Debian's, unpacked under .lab/appliance/;
# the lab users' sessions are told where it is (sshd SetEnv below). KVM aborts here: TCG.
guestfs_env=''
if ((EUID == 0)); then
  kver=$(bash "$LAB_SRC/appliance.sh") || lab_die "libguestfs appliance kernel: test/lab/appliance.sh failed"
  guestfs_env=' LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg'
  [[ -z $kver ]] || guestfs_env+=" SUPERMIN_KERNEL=$LAB/appliance/root/boot/vmlinuz-$kver SUPERMIN_MODULES=$LAB/appliance/root/lib/modules/$kver SUPERMIN_KERNEL_VERSION=$kver"
fi

write_if_changed() { # FILE CONTENT -> 0 when it changed
  if [[ -f $1 && "$(<"$1")" == "$2" ]]; then return 1; fi
  printf '%s\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

yq() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; } # YAML single-quoted scalar

summary() { # MODE
  local dt
  dt=$(awk -v a="$t0" -v b="$(lab_now)" 'BEGIN{printf "%.2f", b-a}')
  echo "lab: $1 in ${dt}s; inventory $LAB/inventory.yml"
}

# --- as an ordinary user: the caller's own session libvirt ----------------------------------
if ((EUID != 0)); then
  mkdir -p "$LAB/hosts/local"
  mode=up
  ((reset)) && mode=reset
  if ((reset)) && [[ ! -f $LAB/hosts/local/guests/${names[-1]}.xml ]]; then
    bash "$LAB_SRC/host-batch.sh" up "$LAB/hosts/local/guests" "$LAB/hosts/local/disks" own "${specs[@]}" ||
      lab_die "could not define the lab guests in your session libvirt (qemu:///session)"
  fi
  bash "$LAB_SRC/host-batch.sh" "$mode" "$LAB/hosts/local/guests" "$LAB/hosts/local/disks" own "${specs[@]}" ||
    lab_die "lab $mode failed in your session libvirt (qemu:///session)"
  write_if_changed "$LAB/inventory.yml" "# Written by test/lab/lab-up.sh (not root): this user's own session libvirt.
local:
  hosts:
    localhost:
      ansible_connection: local
      libvirt_uri: qemu:///session" || true
  write_if_changed "$LAB_STATE" "mode=local
hosts=1
guests=$guests
maxhosts=1
port=" || true
  echo "lab: local session libvirt (not root: no lab users, no sshd), $guests guests (${names[0]}..${names[-1]})"
  summary "$mode"
  exit 0
fi

# --- as root: users, keys, sshd --------------------------------------------------------------
maxhosts=$(lab_state_get maxhosts 0)
((maxhosts >= hosts)) || maxhosts=$hosts # sshd keeps serving hosts of an earlier, bigger lab
mkdir -p /run/sshd /run/vplab "$LAB/hosts"
chmod 0755 /run/vplab

[[ -f $LAB/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C virtplay-lab-client -f "$LAB/id_ed25519"
[[ -f $LAB/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C virtplay-lab-host -f "$LAB/ssh_host_ed25519_key"
client_pub=$(<"$LAB/id_ed25519.pub")
host_pub=$(<"$LAB/ssh_host_ed25519_key.pub")
host_pub=${host_pub% *} # "ssh-ed25519 AAAA..." without the comment

for ((i = 1; i <= maxhosts; i++)); do
  user=$(lab_user "$i")
  if ! pw=$(getent passwd "$user"); then
    useradd -m -s /bin/bash -c "virtplay lab host $i" "$user" || lab_die "useradd $user failed"
    pw=$(getent passwd "$user")
  fi
  IFS=: read -r _ _ uid gid _ home _ <<<"$pw"
  # useradd leaves the password locked ('!'), which sshd refuses even for keys; '*' = no password.
  [[ $(getent shadow "$user" | cut -d: -f2) == '*' ]] || usermod -p '*' "$user"
  rt=$(lab_runtime_dir "$i")
  [[ -d $rt && $(stat -c %u:%a "$rt") == "$uid:700" ]] || install -d -o "$uid" -g "$gid" -m 0700 "$rt"
  if [[ ! -f $home/.ssh/authorized_keys || "$(<"$home/.ssh/authorized_keys")" != "$client_pub" ]]; then
    install -d -o "$uid" -g "$gid" -m 0700 "$home/.ssh"
    printf '%s\n' "$client_pub" >"$home/.ssh/authorized_keys"
    chown "$uid:$gid" "$home/.ssh/authorized_keys"
    chmod 0600 "$home/.ssh/authorized_keys"
  fi
done

# The config of group G's sshd: the group's 16 addresses (127.0.1.1..16, .17..32, ...), whether
# those hosts exist yet or not, so growing or shrinking the lab does not change (restart) it.
sshd_config_of() { # GROUP
  local g=$1 i first last
  first=$(lab_sshd_first "$g")
  last=$(lab_sshd_last "$g")
  cat <<EOF
# Written by test/lab/lab-up.sh: the virtplay lab's own sshd (not the system's).
# host key: $host_pub
Port $LAB_PORT
$(for ((i = first; i <= last; i++)); do echo "ListenAddress $(lab_addr "$i")"; done)
HostKey "$LAB/ssh_host_ed25519_key"
PidFile "$(lab_sshd_pidfile "$g")"
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AuthorizedKeysFile .ssh/authorized_keys
AllowUsers$(for ((i = first; i <= last; i++)); do printf ' %s' "$(lab_user "$i")"; done)
MaxSessions 10
MaxStartups 100:30:200
LoginGraceTime 30
LogLevel VERBOSE
PrintMotd no
UseDNS no
Subsystem sftp internal-sftp
$(for ((i = first; i <= last; i++)); do printf 'Match User %s\n    SetEnv XDG_RUNTIME_DIR=%s%s\n' "$(lab_user "$i")" "$(lab_runtime_dir "$i")" "$guestfs_env"; done)
EOF
}

# A lab that was not up before this run gets checked over SSH even by --reset.
fresh=0
[[ $(lab_state_get mode '') == root && $(lab_state_get hosts 0) == "$hosts" ]] || fresh=1
groups=$(lab_sshd_groups "$maxhosts")
sshd_pids=()
for ((g = 1; g <= groups; g++)); do
  conf=$(sshd_config_of "$g")
  pid=$(lab_sshd_pid "$g")
  if [[ -z $pid || ! -f $(lab_sshd_conf "$g") || "$(<"$(lab_sshd_conf "$g")")" != "$conf" ]]; then
    fresh=1
    lab_sshd_swap "$g" "$conf"
    pid=$(lab_sshd_pid "$g")
  fi
  sshd_pids+=("$pid")
done
# Instances beyond the lab's groups (a lab whose state file was lost): stopped, configs removed.
for g in $(lab_sshd_groups_present); do
  ((g > groups)) || continue
  lab_stop_sshd "$g"
  rm -f "$(lab_sshd_conf "$g")"
done

write_if_changed "$LAB/known_hosts" "$(for ((i = 1; i <= maxhosts; i++)); do
  echo "[$(lab_addr "$i")]:$LAB_PORT $host_pub"
done)" || true

write_if_changed "$LAB/inventory.yml" "# Written by test/lab/lab-up.sh for LAB_HOSTS=$hosts: the real lab (see examples/inventory/lab.yml).
lab:
  hosts:
$(for ((i = 1; i <= hosts; i++)); do
  printf '    lab%s:\n      ansible_host: %s\n      ansible_user: %s\n' "$i" "$(lab_addr "$i")" "$(lab_user "$i")"
done)
  vars:
    ansible_port: $LAB_PORT
    ansible_ssh_private_key_file: $(yq "$LAB/id_ed25519")
    virtplay_known_hosts_file: $(yq "$LAB/known_hosts")
    libvirt_uri: qemu:///session" || true

# --- guests ----------------------------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ssh_opts=(-F /dev/null -i "$LAB/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes
  -o UserKnownHostsFile="$LAB/known_hosts" -o GlobalKnownHostsFile=/dev/null
  -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -p "$LAB_PORT")

# Lists host I's guests: over the lab's own sshd as that host's user (VIA=ssh), or (VIA=local)
# with virsh run as that user here. 0 = the host answers and has exactly the wanted lab guests,
# and their originals are recorded.
check_host() { # I VIA
  local i=$1 n have
  if [[ $2 == ssh ]]; then
    ssh "${ssh_opts[@]}" "$(lab_user "$i")@$(lab_addr "$i")" virsh -c qemu:///session list --all --name \
      >"$tmp/list.$i" 2>"$tmp/err.$i" || return 1
  else
    runuser -u "$(lab_user "$i")" -- env -i HOME="$(lab_home "$(lab_user "$i")")" PATH="$LAB_PATH" \
      XDG_RUNTIME_DIR="$(lab_runtime_dir "$i")" virsh -c qemu:///session list --all --name \
      >"$tmp/list.$i" 2>"$tmp/err.$i" || return 1
  fi
  have=" $(tr '\n' ' ' <"$tmp/list.$i") "
  for n in "${names[@]}"; do
    [[ $have == *" $n "* && -f $LAB/hosts/$i/guests/$n.xml ]] || return 1
  done
  for n in $have; do
    [[ $n =~ $LAB_GUEST_RE ]] || continue
    [[ " ${names[*]} " == *" $n "* ]] || return 1
  done
}

# Runs host-batch.sh for host I with MODE, keeping .lab/hosts/<i>/guests and the user's copy
# (~/.vplab/guests, where that user can read them) in step.
batch_host() { # I MODE
  local i=$1 mode=$2 user home dir files
  user=$(lab_user "$i")
  home=$(lab_home "$user")
  dir=$LAB/hosts/$i/guests
  mkdir -p "$dir"
  install -d -o "$user" -g "$user" -m 0755 "$home/.vplab" "$home/.vplab/guests"
  files=("$dir"/*.xml)
  [[ -e ${files[0]} ]] && install -o "$user" -g "$user" -m 0644 "${files[@]}" "$home/.vplab/guests/"
  lab_batch_as "$i" "$mode" "${specs[@]}"
  if [[ $mode == up ]]; then
    rm -f "$dir"/*.xml
    files=("$home/.vplab/guests"/*.xml)
    [[ -e ${files[0]} ]] && cp "${files[@]}" "$dir/"
  fi
  return 0
}

parallel_hosts() { # FUNCTION ARGS... over hosts 1..hosts; prints the failed host numbers
  local i pids=()
  for ((i = 1; i <= hosts; i++)); do
    ("$@" "$i" >"$tmp/out.$i" 2>&1) &
    pids[i]=$!
  done
  for ((i = 1; i <= hosts; i++)); do wait "${pids[i]}" || echo "$i"; done
}

host_reset() { # I
  local n
  for n in "${names[@]}"; do
    [[ -f $LAB/hosts/$1/guests/$n.xml ]] || { batch_host "$1" up; break; }
  done
  batch_host "$1" reset
  ((fresh == 0)) || check_host "$1" ssh || { echo "over ssh: $(cat "$tmp/err.$1")"; return 1; }
}

host_up() { # I
  # A lab that was up already: its sshds still run with the same configs, so the first host of
  # each sshd's group proves that SSH path and the others are checked locally (cheaper with 20
  # hosts on 2 cores). A new or resized lab, or one whose sshd was (re)started: every host over SSH.
  local via=local
  ((fresh == 0 && ($1 - 1) % LAB_SSHD_GROUP != 0)) || via=ssh
  check_host "$1" "$via" && return 0
  batch_host "$1" up
  check_host "$1" ssh || { echo "over ssh: $(cat "$tmp/err.$1")"; return 1; }
}

if ((reset)); then
  action=reset
  mapfile -t failed < <(parallel_hosts host_reset)
else
  action=up
  mapfile -t failed < <(parallel_hosts host_up)
fi
if ((${#failed[@]})); then
  for i in "${failed[@]}"; do
    echo "lab: host $i ($(lab_user "$i")@$(lab_addr "$i"):$LAB_PORT) did not come up:" >&2
    sed 's/^/  /' "$tmp/out.$i" >&2
  done
  lab_die "${#failed[@]} of $hosts lab hosts failed ($action)"
fi

write_if_changed "$LAB_STATE" "mode=root
hosts=$hosts
guests=$guests
maxhosts=$maxhosts
port=$LAB_PORT" || true

pids_text="sshd pid ${sshd_pids[0]}"
((${#sshd_pids[@]} == 1)) || pids_text="sshd pids $(IFS=,; echo "${sshd_pids[*]}") (one per $LAB_SSHD_GROUP hosts)"
echo "lab: $hosts hosts (lab1..lab$hosts = vplab<i>@127.0.1.<i>, $pids_text on port $LAB_PORT)," \
  "$guests guests each (${names[0]}..${names[-1]}), $((hosts * guests)) in all"
summary "$action"
