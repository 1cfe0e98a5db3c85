# cmd.exe /c COMMAND, for the command forms virtplay sends:
#   for %d in (D E ... Z) do @if exist %d:\PATH echo %d:
#   for %d in (D E ... Z) do @if exist %d:\PATH (pnputil.exe ARGS & exit /b)
#   PROGRAM ARGS        (pnputil.exe, wmic, ... as guest-exec runs them)
. /etc/virtplay/win/winlib.sh
while [ $# -gt 0 ]; do
  case "$1" in
    /c|/C|/k|/K) shift; break ;;
    /*) shift ;;
    *) break ;;
  esac
done
line="$*"
rc=0

# run_simple COMMAND: echo, exit /b, or a program; sets rc; returns 1 after `exit /b`.
run_simple() {
  c=$1
  c=${c#@}
  while [ "${c# }" != "$c" ]; do c=${c# }; done
  while [ "${c% }" != "$c" ]; do c=${c% }; done
  case "$(lower "$c")" in
    "") return 0 ;;
    "exit /b"*) n=${c#???????}; n=${n# }; [ -n "$n" ] && rc=$n; return 1 ;;
    echo) echo "ECHO is on."; rc=0; return 0 ;;
    "echo "*) printf '%s\n' "${c#?????}"; rc=0; return 0 ;;
  esac
  case "$c" in
    "("*")")
      inner=${c#(}; inner=${inner%)}
      while :; do
        part=${inner%% & *}
        run_simple "$part" || return 1
        [ "$part" = "$inner" ] && break
        inner=${inner#* & }
      done
      return 0 ;;
    "if exist "*)
      rest=${c#if exist }; path=${rest%% *}; then=${rest#* }
      [ "$then" = "$rest" ] && then=
      if winpath "$path" >/dev/null; then run_simple "$then" || return 1; fi
      return 0 ;;
  esac
  set -f
  set -- $c
  set +f
  prog=$(lower "$(winbase "$1")"); prog=${prog%.exe}; shift
  case "$prog" in
    *[!a-z0-9_-]*|'') ;;
    *)
      if [ -f "/etc/virtplay/win/$prog.sh" ]; then
        ecf=/run/winqga/cmd-exit.$$
        rm -f "$ecf"
        WINQGA_EXITCODE=$ecf sh "/etc/virtplay/win/$prog.sh" "$@"
        rc=$?
        [ -s "$ecf" ] && rc=$(cat "$ecf")
        rm -f "$ecf"
        return 0
      fi ;;
  esac
  printf "'%s' is not recognized as an internal or external command,\noperable program or batch file.\n" "${c%% *}" >&2
  rc=9009
  return 0
}

case "$line" in
  "for %d in ("*") do "*|"for %%d in ("*") do "*)
    letters=${line#*(}; letters=${letters%%)*}
    body=${line#*) do }
    for L in $letters; do
      b=$(printf '%s' "$body" | sed "s/%%d/$L/g; s/%d/$L/g")
      run_simple "$b" || break
    done ;;
  *) run_simple "$line" ;;
esac
win_exit "$rc"
