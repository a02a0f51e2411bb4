#!/usr/bin/env bash
# Install axe-core (from npm) for the accessibility checks in tests/ui/test_axe.py, into
# tests/ui/.axe (git-ignored). Safe to run again: installs only when it is missing.
set -euo pipefail

AXE_DIR="${AXE_DIR:-tests/ui/.axe}"
AXE_VERSION="${AXE_VERSION:-4}"

if [ ! -e "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    command -v npm >/dev/null || { echo "axe.sh: npm is needed (apt-get install npm)" >&2; exit 1; }
    mkdir -p "$AXE_DIR"
    npm install --silent --no-audit --no-fund --prefix "$AXE_DIR" "axe-core@$AXE_VERSION"
fi
