#!/usr/bin/env bash
# Install the triple stores the integration tests publish to (tests/integration/engines.py).
# Safe to run again: installs only what is missing. Needs root (or sudo) for apt-get.
#   Oxigraph's server:  the `oxigraph` program from PyPI, into the project's virtualenv
#   Virtuoso:           `virtuoso-t` from Debian's virtuoso-opensource-7-bin (the server binary
#                       of the virtuoso-opensource package, without its system service)
set -euo pipefail

PYTHON="${PYTHON:-.venv/bin/python}"
BIN="$(dirname "$PYTHON")"

if [ ! -x "$BIN/oxigraph" ] && ! command -v oxigraph >/dev/null; then
    "$PYTHON" -m pip install --quiet 'oxigraph>=0.5.13,<0.6'
fi

if ! command -v virtuoso-t >/dev/null; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: installing Virtuoso needs root or sudo" >&2; exit 1; }
        SUDO=sudo
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        virtuoso-opensource-7-bin
fi
