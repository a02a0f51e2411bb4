#!/usr/bin/env bash
# Install what the browser tests (tests/ui/test_browser.py) drive: Debian's Chromium, fonts for it
# to render text with, and the `playwright` Python package (from PyPI, into the virtualenv).
# Safe to run again: installs only what is missing. Needs root (or sudo) for apt-get.
# Never runs `playwright install`: that downloads a browser build from a CDN; the tests launch
# /usr/bin/chromium instead.
set -euo pipefail

PYTHON="${PYTHON:-.venv/bin/python}"

if ! "$PYTHON" -c 'import playwright' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet 'playwright>=1.40'
fi

if ! command -v chromium >/dev/null || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: installing Chromium needs root or sudo" >&2; exit 1; }
        SUDO=sudo
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core
fi

# axe-core, for the accessibility checks of the browser tests.
"$(dirname "$0")/axe.sh"
