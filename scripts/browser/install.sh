#!/usr/bin/env bash
# Install what the query editor's bundle and the browser tests (tests/ui/test_browser.py,
# tests/ui/test_editor.py) need: Node.js and npm (for `make bundle`: npm ci, then esbuild), Debian's
# Chromium, fonts for it to render text with, and the `playwright` Python package (from PyPI, into
# the virtualenv). `install.sh node` installs only Node.js and npm.
# Safe to run again: installs only what is missing. Needs root (or sudo) for apt-get.
# Never runs `playwright install`: that downloads a browser build from a CDN; the tests launch
# /usr/bin/chromium instead.
set -euo pipefail

PYTHON="${PYTHON:-.venv/bin/python}"
WHAT="${1:-all}"

apt_install() {
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: installing $* needs root or sudo" >&2; exit 1; }
        sudo=sudo
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

# Debian's nodejs (18 on bookworm) and npm are enough: esbuild and CodeMirror need Node 18.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
fi
[ "$WHAT" = node ] && exit 0

if ! "$PYTHON" -c 'import playwright' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet 'playwright>=1.40'
fi

if ! command -v chromium >/dev/null || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    apt_install chromium fonts-dejavu-core
fi
