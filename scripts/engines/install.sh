#!/usr/bin/env bash
# Install the servers the integration tests run (tests/integration/engines.py).
# Safe to run again: installs only what is missing. Needs root (or sudo) for apt-get.
#   Oxigraph's server:  the `oxigraph` program from PyPI, into the project's virtualenv
#   Virtuoso:           `virtuoso-t` from Debian's virtuoso-opensource-7-bin (the server binary
#                       of the virtuoso-opensource package, without its system service)
#   nginx:              Debian's nginx, the load balancer of the replica test; its system
#                       service is kept from starting (the tests run their own, on loopback)
#   `install.sh nginx` installs nginx alone: the front of `make run` (serve --front nginx)
set -euo pipefail

PYTHON="${PYTHON:-.venv/bin/python}"
BIN="$(dirname "$PYTHON")"

ONLY="${1:-}"

if [ -z "$ONLY" ] && [ ! -x "$BIN/oxigraph" ] && ! command -v oxigraph >/dev/null; then
    "$PYTHON" -m pip install --quiet 'oxigraph>=0.5.13,<0.6'
fi

have_nginx() { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }

packages=()
[ -n "$ONLY" ] || command -v virtuoso-t >/dev/null || packages+=(virtuoso-opensource-7-bin)
have_nginx || packages+=(nginx)

if [ "${#packages[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: installing ${packages[*]} needs root or sudo" >&2; exit 1; }
        SUDO=sudo
    fi
    # Debian starts a service when its package is installed; nginx's would take port 80. A
    # policy-rc.d that answers 101 ("action forbidden") stops that, as in Debian's containers.
    POLICY=/usr/sbin/policy-rc.d
    if [ ! -e "$POLICY" ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
        $SUDO chmod 755 "$POLICY"
        trap '$SUDO rm -f "$POLICY"' EXIT
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${packages[@]}"
fi
