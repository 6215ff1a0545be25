#!/usr/bin/env bash
# The demo: install what is missing, then vet the bundled example series (examples/dm-kmap-local, the dm
# kmap_local_page conversion for 6.1) against Debian's linux-source-6.1, and say where the report is.
# KPCI_DEMO_TREE overrides the tree (another 6.1.y tarball or checkout); KPCI_DEMO_OUT the out dir.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tree=${KPCI_DEMO_TREE:-/usr/src/linux-source-6.1.tar.xz}
# Debian's linux-source-6.1 is the demo's tree unless another one is given
if [ -z "${KPCI_DEMO_TREE:-}" ]; then bash "$here/scripts/install-deps.sh" --with-node linux-source-6.1
else bash "$here/scripts/install-deps.sh" --with-node; fi
out=${KPCI_DEMO_OUT:-$here/demo-out}
set +e
node "$here/dist/cli.js" run --tree "$tree" --series "$here/examples/dm-kmap-local" --out "$out"
code=$?
set -e
echo
# the verdict, the series and the stage table: the report up to its per-stage sections
[ -f "$out/report.md" ] && sed -n '/^### /q;p' "$out/report.md"
exit $code
