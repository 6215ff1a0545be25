#!/usr/bin/env bash
# Every test on everything: both trees (6.1 and 6.12), both cells, every failure mode, and the function finder on
# every function of both trees. Run before closing an issue; CI runs the README's subset (npm run test:all).
set -euo pipefail
cd "$(dirname "$0")/.."
export KPCI_EXHAUSTIVE=1
npm test
npm run test:e2e
