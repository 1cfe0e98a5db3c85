# Shared by lab-up.sh and lab-down.sh (sourced, not run). Paths come from this file's location.
# shellcheck shell=bash

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$LAB_SRC/../.." && pwd)
LAB=$LAB_ROOT/.lab
LAB_PORT=2222
# One lab sshd per group of LAB_SSHD_GROUP hosts (OpenSSH binds at most 16 listen sockets: its
# MAX_LISTEN_SOCKS): group 1 (hosts 1..16) keeps the original names, group G >= 2 uses
# sshd-G_config and sshd-G.pid. All of them log to the one LAB_SSHD_LOG (sshd opens it O_APPEND and
# writes each line with one write(2)), so a line count taken as a mark stays valid across groups.
LAB_SSHD_GROUP=16
LAB_SSHD_CONF=$LAB/sshd_config
LAB_SSHD_PID=$LAB/sshd.pid
LAB_SSHD_LOG=$LAB/sshd.log
LAB_STATE=$LAB/state
LAB_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

lab_die() {
  echo "lab: ERROR: $*" >&2
  exit 1
}

lab_now() { echo "${EPOCHREALTIME/,/.}"; }

lab_user() { echo "vplab$1"; }
lab_addr() { echo "127.0.1.$1"; }
lab_runtime_dir() { echo "/run/vplab/$1"; }

# deb01.. and one win05 per host (deb01..deb04 + win05 in the default lab of 5; guests 6.. are
# deb06..), all Windows-era hardware: IDE boot disk + e1000 like a Windows Server 2008 R2 guest;
# guests 3, 8, ... have an rtl8139 NIC, 5, 10, ... two NICs (e1000 + rtl8139), 2, 4, ... an empty IDE
# CD-ROM. What differs is the OS label in the definition (virt-install --os-variant, kept as the
# libosinfo id): debian11 on the debNN guests, win2k8r2 on win05, the one Windows-labelled guest
# the disk modules' Windows guard refuses (exactly one per host when LAB_GUESTS >= 5).
lab_guest_specs() { # COUNT -> one NAME:NICS:CDROM:OSVARIANT per line
  local g name nics cdrom os
  for ((g = 1; g <= $1; g++)); do
    if ((g == 5)); then
      printf -v name 'win%02d' "$g"
      os=win2k8r2
    else
      printf -v name 'deb%02d' "$g"
      os=debian11
    fi
    case $((g % 5)) in
      3) nics=rtl8139 ;;
      0) nics=e1000,rtl8139 ;;
      *) nics=e1000 ;;
    esac
    case $((g % 5)) in 2 | 4) cdrom=1 ;; *) cdrom=0 ;; esac
    echo "$name:$nics:$cdrom:$os"
  done
}

# The names lab guests have (lab_guest_specs, and win<NN> of earlier labs): lab-up.sh removes
# those a host no longer wants; anything else in a host's libvirt is left alone.
LAB_GUEST_RE='^(win|deb)[0-9]+$'

# key=value lines written by lab-up.sh (hosts, guests, maxhosts, mode).
lab_state_get() { # KEY DEFAULT
  local line
  if [[ -f $LAB_STATE ]]; then
    while IFS= read -r line; do
      [[ $line == "$1="* ]] && { echo "${line#*=}"; return; }
    done <"$LAB_STATE"
  fi
  echo "$2"
}

# A pid holding the tests' lab lock (lockLab() in lab.ts: .lab/test.lock/pid) or one host of it
# (lockLabHost(): .lab/test.readers/<pid>-<n>) when it is alive and neither this process nor one
# of its ancestors; nothing otherwise.
lab_lock_holder() {
  local holder r pids=()
  for r in "$LAB"/test.readers/*; do
    [[ -e $r ]] || continue
    r=${r##*/}
    pids+=("${r%%-*}")
  done
  if [[ -f $LAB/test.lock/pid ]]; then pids+=("$(<"$LAB/test.lock/pid")") || true; fi
  for holder in "${pids[@]}"; do
    [[ $holder =~ ^[0-9]+$ && -e /proc/$holder ]] || continue
    lab_is_ancestor "$holder" && continue
    echo "$holder"
    return 0
  done
}

# True when PID is this process or one of its ancestors.
lab_is_ancestor() {
  local p=$$
  while [[ $p =~ ^[0-9]+$ ]] && ((p > 1)); do
    ((p != $1)) || return 0
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || return 1
  done
  return 1
}

lab_home() { getent passwd "$1" | cut -d: -f6; }

# Run host-batch.sh as lab host I's user, with that host's own runtime dir.
lab_batch_as() { # I MODE SPEC...
  local i=$1 mode=$2 user home
  shift 2
  user=$(lab_user "$i")
  home=$(lab_home "$user")
  [[ -n $home ]] || lab_die "no such lab user: $user"
  runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" PATH="$LAB_PATH" \
    LANG=C.UTF-8 XDG_RUNTIME_DIR="$(lab_runtime_dir "$i")" \
    bash -s -- "$mode" "$home/.vplab/guests" "$home/disks" all "$@" <"$LAB_SRC/host-batch.sh"
}

lab_sshd_group() { echo $((($1 - 1) / LAB_SSHD_GROUP + 1)); } # HOST -> its sshd group
lab_sshd_groups() { echo $((($1 + LAB_SSHD_GROUP - 1) / LAB_SSHD_GROUP)); } # MAXHOSTS -> groups
lab_sshd_first() { echo $((($1 - 1) * LAB_SSHD_GROUP + 1)); } # GROUP -> its first host
lab_sshd_last() { # GROUP -> its last host (address 127.0.1.254 at most)
  local last=$(($1 * LAB_SSHD_GROUP))
  echo $((last > 254 ? 254 : last))
}
lab_sshd_conf() { if (($1 == 1)); then echo "$LAB_SSHD_CONF"; else echo "$LAB/sshd-$1_config"; fi; }
lab_sshd_pidfile() { if (($1 == 1)); then echo "$LAB_SSHD_PID"; else echo "$LAB/sshd-$1.pid"; fi; }

# Groups that have a config file in .lab or a running listener, sorted.
lab_sshd_groups_present() {
  local f g
  {
    [[ ! -f $LAB_SSHD_CONF ]] || echo 1
    for f in "$LAB"/sshd-*_config; do
      [[ -f $f ]] || continue
      g=${f##*/sshd-}
      g=${g%_config}
      [[ $g =~ ^[0-9]+$ ]] && echo "$g"
    done
    for f in $(grep -lsaF -- "sshd -f $LAB/sshd" /proc/[0-9]*/cmdline); do
      g=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
      [[ $g == "sshd: "* ]] || continue # not grep itself, not a per-connection child
      if [[ $g == *"sshd -f $LAB_SSHD_CONF -E"* ]]; then echo 1; continue; fi
      [[ $g =~ sshd\ -f\ "$LAB"/sshd-([0-9]+)_config\ -E ]] && echo "${BASH_REMATCH[1]}"
    done
  } | sort -nu
}

# The pid of group G's lab sshd (default 1): from its pid file, checked against /proc; else found
# by its config path (a pid file lost with .lab/). Prints nothing when it is not running.
lab_sshd_pid() { # [GROUP]
  local g=${1:-1} pid f conf pidfile
  conf=$(lab_sshd_conf "$g")
  pidfile=$(lab_sshd_pidfile "$g")
  if [[ -f $pidfile ]]; then
    pid=$(<"$pidfile")
    if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] &&
      tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "sshd -f $conf -E"; then
      echo "$pid"
      return
    fi
  fi
  # The listener retitles itself "sshd: /usr/sbin/sshd -f CONF -E LOG [listener] ..."; the
  # per-connection children ("sshd: vplab1 [priv]") do not carry the path.
  for f in $(grep -lsaF -- "sshd -f $conf -E" /proc/[0-9]*/cmdline); do
    [[ $(tr '\0' ' ' 2>/dev/null <"$f") == "sshd: "* ]] || continue # not grep itself
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    # Found without its pid file (removed by an interrupted lab-down, say): write it again, tests read it.
    echo "$pid" >"$pidfile" 2>/dev/null || true
    echo "$pid"
    return
  done
}

# 0 while PID runs (a zombie that its reaper has not collected yet counts as gone).
lab_alive() { # PID
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# Stops group G's listener (default 1); its open sessions go on (sshd's children are their own).
lab_stop_sshd() { # [GROUP]
  local g=${1:-1} pid n
  pid=$(lab_sshd_pid "$g")
  [[ -n $pid ]] || { rm -f "$(lab_sshd_pidfile "$g")"; return 0; }
  kill "$pid" 2>/dev/null || true
  for ((n = 0; n < 50; n++)); do
    lab_alive "$pid" || break
    sleep 0.1
  done
  ! lab_alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$(lab_sshd_pidfile "$g")"
}

lab_stop_all_sshd() {
  local g
  for g in $(lab_sshd_groups_present); do lab_stop_sshd "$g"; done
}

# 0 when every address of group G listens on LAB_PORT (/proc/net/tcp, state 0A = LISTEN).
lab_sshd_listening() { # GROUP
  local i want=() missing
  for ((i = $(lab_sshd_first "$1"); i <= $(lab_sshd_last "$1"); i++)); do
    want+=("$(printf '%02X01007F:%04X' "$i" "$LAB_PORT")")
  done
  missing=$(awk -v want="${want[*]}" 'BEGIN { n = split(want, w, " "); for (k = 1; k <= n; k++) need[w[k]] = 1 }
    NR > 1 && $4 == "0A" { delete need[$2] } END { for (k in need) c++; print c + 0 }' /proc/net/tcp)
  ((missing == 0))
}

# Starts group G's sshd on its config as it is and waits until it listens on every address of its
# group. 1 (and no sshd of that group left running) when it does not: sshd daemonizes before it
# binds, so a start that fails (e.g. "Too many listen sockets") can still exit 0.
lab_start_sshd() { # GROUP
  local g=$1 conf pid n f up
  conf=$(lab_sshd_conf "$g")
  /usr/sbin/sshd -f "$conf" -E "$LAB_SSHD_LOG" || return 1
  for ((n = 0; n < 50; n++)); do
    pid=$(lab_sshd_pid "$g")
    [[ -n $pid ]] && lab_sshd_listening "$g" && return 0
    # Gone already (no process of this config at all, titled or not): no use waiting.
    up=0
    for f in $(grep -lsaF -- "sshd -f $conf -E" /proc/[0-9]*/cmdline); do
      f=${f#/proc/}
      f=${f%/cmdline}
      ((f != BASHPID)) && lab_alive "$f" && [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$f/cmdline") == *"sshd -f $conf -E"* ]] && up=1 && break
    done
    ((up)) || break
    sleep 0.1
  done
  lab_stop_sshd "$g"
  return 1
}

# Gives group G's sshd the config CONTENT: validated first (sshd -t on a new file; a config sshd
# rejects never replaces the running one), then swapped in and the sshd restarted; when the new
# one does not start, the old config goes back and its sshd is started again.
lab_sshd_swap() { # GROUP CONTENT
  local g=$1 conf new err
  conf=$(lab_sshd_conf "$g")
  new=$conf.new
  printf '%s\n' "$2" >"$new"
  if ! err=$(/usr/sbin/sshd -t -f "$new" 2>&1); then
    rm -f "$new"
    lab_die "sshd rejects the new config of hosts $(lab_sshd_first "$g")..$(lab_sshd_last "$g") ($err); the running sshd keeps its old config $conf"
  fi
  if [[ -f $conf ]]; then cp -p "$conf" "$conf.old"; else rm -f "$conf.old"; fi
  mv -f "$new" "$conf"
  lab_stop_sshd "$g"
  if lab_start_sshd "$g"; then
    rm -f "$conf.old"
    return 0
  fi
  err="sshd for hosts $(lab_sshd_first "$g")..$(lab_sshd_last "$g") did not start on $conf (last log lines: $(tail -n 3 "$LAB_SSHD_LOG" 2>/dev/null | tr -d '\r' | tr '\n' ' '))"
  if [[ -f $conf.old ]]; then
    mv -f "$conf" "$conf.failed"
    mv -f "$conf.old" "$conf"
    if lab_start_sshd "$g"; then
      err+="; the old config runs again (the rejected one: $conf.failed)"
    else
      err+="; the old config did not start either"
    fi
  fi
  lab_die "$err"
}
