#!/usr/bin/env bash
# The demo: install what is missing, then vet a bundled example series against a real kernel tree through every
# stage, and say where the report is.
#   bash scripts/demo.sh                  # examples/dm-kmap-local on Debian's linux-source-6.1 (dm-crypt, dm-log-writes)
#   bash scripts/demo.sh --tree 6.12      # examples/md-kmap-local on Debian's linux-source-6.12 (md-bitmap, raid5-cache)
#   bash scripts/demo.sh --tree PATH      # another tree (tarball or checkout); --series DIR picks the series
# KPCI_DEMO_TREE and KPCI_DEMO_SERIES do the same as --tree and --series; KPCI_DEMO_OUT sets the out dir.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tree=${KPCI_DEMO_TREE:-6.1}
series=${KPCI_DEMO_SERIES:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --tree) tree=${2:?--tree needs 6.1, 6.12 or a path}; shift 2 ;;
    --series) series=${2:?--series needs a directory of patches}; shift 2 ;;
    *) echo "usage: bash scripts/demo.sh [--tree 6.1|6.12|PATH] [--series DIR]" >&2; exit 2 ;;
  esac
done

# 6.1 and 6.12 are Debian's linux-source packages; anything else is a path the user gives
case "$tree" in
  6.1|6.12)
    bash "$here/scripts/install-deps.sh" --with-node "linux-source-$tree"
    version=$tree
    tree=/usr/src/linux-source-$tree.tar.xz ;;
  *)
    bash "$here/scripts/install-deps.sh" --with-node
    [ -e "$tree" ] || { echo "kernel-patch-ci demo: $tree does not exist" >&2; exit 2; }
    version=
    [ -f "$tree/Makefile" ] && version=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p' "$tree/Makefile" | head -n 2 | paste -sd.) ;;
esac
# dm-crypt and dm-log-writes lost their kmap_atomic() calls in 6.3: on 6.1 and 6.2 the dm example, the md one after
if [ -z "$series" ]; then
  case "$version" in
    6.1|6.2) series=$here/examples/dm-kmap-local ;;
    '') case "$(basename "$tree")" in
          *[-_]6.[12].*|*[-_]6.[12]) series=$here/examples/dm-kmap-local ;;
          *) series=$here/examples/md-kmap-local ;;
        esac ;;
    *) series=$here/examples/md-kmap-local ;;
  esac
fi
out=${KPCI_DEMO_OUT:-$here/demo-out}
set +e
node "$here/dist/cli.js" run --tree "$tree" --series "$series" --out "$out"
code=$?
set -e
echo
# the verdict, the series and the stage table: the report up to its per-stage sections
[ -f "$out/report.md" ] && sed -n '/^### /q;p' "$out/report.md"
exit $code
