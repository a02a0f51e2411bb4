#!/usr/bin/env bash
# Install what `make bench` needs: wrk (Debian); py-spy and gunicorn (PyPI) into the project's
# virtualenv ($VENV_PYTHON): gunicorn only to compare HTTP servers (bench/ivig_gunicorn.py and the
# ceiling), ivig-graph itself runs granian; rdflib-endpoint (PyPI) in its own virtualenv
# bench/.venv-peers so its FastAPI/uvicorn stack never mixes with ours. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV_PYTHON="${VENV_PYTHON:-.venv/bin/python}"

if ! command -v wrk >/dev/null; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: installing wrk needs root or sudo" >&2; exit 1; }
        SUDO=sudo
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk
fi

"$VENV_PYTHON" -m pip install --quiet 'gunicorn==27.0.1' 'py-spy==0.4.3'

if [ ! -x bench/.venv-peers/bin/rdflib-endpoint ]; then
    "${PYTHON:-python3}" -m venv bench/.venv-peers
    bench/.venv-peers/bin/python -m pip install --quiet --upgrade pip
    bench/.venv-peers/bin/python -m pip install --quiet 'rdflib-endpoint[cli]==0.6.3'
fi
