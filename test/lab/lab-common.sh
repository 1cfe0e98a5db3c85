# Shared by lab-up.sh and lab-down.sh (sourced, not run). Paths come from this file's location.
# shellcheck shell=bash

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$LAB_SRC/../.." && pwd)
LAB=$LAB_ROOT/.lab
LAB_PORT=2222
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

# win01..winNN, mostly IDE + e1000 like a Windows Server 2008 R2 guest; win03, win08, ... have an
# rtl8139 NIC, win05, win10, ... two NICs (e1000 + rtl8139), win02, win04, ... an empty IDE CD-ROM.
lab_guest_specs() { # COUNT -> one NAME:NICS:CDROM per line
  local g name nics cdrom
  for ((g = 1; g <= $1; g++)); do
    printf -v name 'win%02d' "$g"
    case $((g % 5)) in
      3) nics=rtl8139 ;;
      0) nics=e1000,rtl8139 ;;
      *) nics=e1000 ;;
    esac
    case $((g % 5)) in 2 | 4) cdrom=1 ;; *) cdrom=0 ;; esac
    echo "$name:$nics:$cdrom"
  done
}

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

# The lab sshd's pid: from its pid file, checked against /proc; else found by its config path
# (a pid file lost with .lab/). Prints nothing when it is not running.
lab_sshd_pid() {
  local pid f
  if [[ -f $LAB_SSHD_PID ]]; then
    pid=$(<"$LAB_SSHD_PID")
    if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] &&
      tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$LAB_SSHD_CONF"; then
      echo "$pid"
      return
    fi
  fi
  # The listener retitles itself "sshd: /usr/sbin/sshd -f CONF -E LOG [listener] ..."; the
  # per-connection children ("sshd: vplab1 [priv]") do not carry the path.
  for f in $(grep -lsaF -- "sshd -f $LAB_SSHD_CONF -E" /proc/[0-9]*/cmdline); do
    [[ $(tr '\0' ' ' 2>/dev/null <"$f") == "sshd: "* ]] || continue # not grep itself
    pid=${f#/proc/}
    echo "${pid%/cmdline}"
    return
  done
}

lab_stop_sshd() {
  local pid n
  pid=$(lab_sshd_pid)
  [[ -n $pid ]] || { rm -f "$LAB_SSHD_PID"; return 0; }
  kill "$pid" 2>/dev/null || true
  for ((n = 0; n < 50; n++)); do
    [[ -e /proc/$pid ]] || break
    sleep 0.1
  done
  [[ ! -e /proc/$pid ]] || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$LAB_SSHD_PID"
}
