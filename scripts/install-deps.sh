#!/usr/bin/env bash
# Install the Debian packages in deps/debian-packages.txt, plus any named as arguments, that are missing (as
# root, or through sudo). --with-node adds nodejs when there is no node. Without root or sudo, list what is
# missing and exit 2.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' "$here/deps/debian-packages.txt")
for arg in "$@"; do
  case "$arg" in
    --with-node) command -v node >/dev/null 2>&1 || wanted+=(nodejs npm) ;;
    *) wanted+=("$arg") ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo)
else
  echo "kernel-patch-ci: missing packages, install them as root: apt-get install ${missing[*]}" >&2
  exit 2
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# One stale index while a mirror syncs must not stop a run whose packages are all reachable: retry, then go on.
for attempt in 1 2 3; do
  "${as_root[@]}" apt-get update -q && break
  echo "apt-get update failed (attempt $attempt), retrying" >&2
  sleep $((attempt * 5))
done
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
