#!/usr/bin/env bash
# Install what `make bench` needs: wrk (Debian) and rdflib-endpoint (PyPI, in its own virtualenv
# bench/.venv-peers so its FastAPI/uvicorn stack never mixes with ours). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: installing wrk needs root or sudo" >&2; exit 1; }
        SUDO=sudo
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk
fi

if [ ! -x bench/.venv-peers/bin/rdflib-endpoint ]; then
    "${PYTHON:-python3}" -m venv bench/.venv-peers
    bench/.venv-peers/bin/python -m pip install --quiet --upgrade pip
    bench/.venv-peers/bin/python -m pip install --quiet 'rdflib-endpoint[cli]==0.6.3'
fi
