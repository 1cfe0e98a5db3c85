# kernel_deb CACHE_DIR FLAVOUR [--refresh] -> the path of Debian's linux-image-<version> package
# that linux-image-FLAVOUR depends on, downloaded into CACHE_DIR once (the resolution is
# remembered: the lab keeps its kernel until --refresh). Sourced by guest/build.sh and appliance.sh.
kernel_deb() {
  local cache=$1 flavour=$2 refresh=${3:-} file kpkg deb
  mkdir -p "$cache"
  file="$cache/linux-image-$flavour.resolved"
  kpkg=$(cat "$file" 2>/dev/null || true)
  if [ -z "$kpkg" ] || [ "$refresh" = --refresh ]; then
    kpkg=$(apt-cache depends "linux-image-$flavour" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$kpkg" ] || { echo "cannot resolve linux-image-$flavour (apt-get update first?)" >&2; return 1; }
    echo "$kpkg" >"$file"
  fi
  deb=$(ls "$cache/${kpkg}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    echo "downloading $kpkg" >&2
    (cd "$cache" && apt-get download "$kpkg" 2>&1 | grep -v 'unsandboxed' >&2 || true)
    deb=$(ls "$cache/${kpkg}_"*.deb 2>/dev/null | head -1 || true)
    [ -n "$deb" ] || { echo "apt-get download $kpkg failed" >&2; return 1; }
  fi
  echo "$deb"
}
