"""How ``ivig-graph serve`` starts and stops: what the command line loads before it becomes
granian's supervisor, the version it prints without loading anything to know it in advance,
and Ctrl+C while the server is still starting its background work."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ivig_graph.dataset.files import MANIFEST_FILE, NQUADS_FILE, BuiltDataset
from tests.servers import REPO, descendants, free_port, serve_arguments, serve_environment

LAUNCHES = 10  # Ctrl+C at start-up hung 1 launch in 4 (loaded machine) to 2 in 3 (busier)

# Runs the command line with os.execv replaced: instead of becoming the supervisor, it prints
# what it would have run and every module it had loaded by then.
STOP_AT_EXECV = """
import json, os, sys
from ivig_graph import cli

def report(path, argv):
    print(json.dumps({"argv": argv, "modules": sorted(sys.modules)}), flush=True)
    os._exit(0)

os.execv = report
cli.main(sys.argv[1:])
"""


def test_serve_loads_none_of_the_build_libraries_nor_granian_before_it_execs(
    tmp_path: Path,
) -> None:
    """rdflib, pySHACL, owlrl and rich are the build's (about 0.25 s of the start); Flask is
    the HTTP process's, granian the supervisor's (about 0.04 s)."""
    dataset = tmp_path / "dataset"  # what serve reads of a dataset before it starts granian
    dataset.mkdir()
    (dataset / NQUADS_FILE).write_bytes(b"")
    (dataset / MANIFEST_FILE).write_text(json.dumps({"version": "0"}), encoding="utf-8")
    arguments = ["serve", "--dataset", str(dataset), "--port", str(free_port())]
    found = subprocess.run(
        [sys.executable, "-c", STOP_AT_EXECV, *arguments],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    report = json.loads(found.stdout)
    assert "ivig_graph.serve.supervisor" in report["argv"], report["argv"]  # it got that far
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert not loaded & {"rdflib", "pyshacl", "owlrl", "rich", "flask", "granian"}, sorted(loaded)


def test_version_prints_pyprojects_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = subprocess.run(
        [sys.executable, "-m", "ivig_graph.cli", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert found.stdout == f"ivig-graph {project['version']}\n"


def _answers_ask(port: int) -> bool:
    query = urllib.parse.urlencode({"query": "ASK {}"})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/sparql?{query}",
        headers={"Accept": "application/sparql-results+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return bool(json.load(response)["boolean"])
    except OSError:
        return False


def _blocks_sigterm(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    mask = next(line for line in status.splitlines() if line.startswith("SigBlk:"))
    return bool(int(mask.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.slow
def test_ctrl_c_right_after_the_first_answer_stops_the_server(built: BuiltDataset) -> None:
    """Ctrl+C while the HTTP process still loads the pages and completions in background
    threads: the stop signal must reach the thread that handles it. The query workers, which
    that process starts while it holds the stop signals blocked, do not keep them blocked."""
    for launch in range(LAUNCHES):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, *serve_arguments(built.directory, "--port", str(port))],
            env=serve_environment(port, {"IVIG_RATE_LIMIT": "off"}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
            start_new_session=True,  # its own process group, as a shell gives a job
        )
        below: list[int] = []
        try:
            deadline = time.monotonic() + 60
            while not _answers_ask(port):
                assert time.monotonic() < deadline and process.poll() is None, launch
                time.sleep(0.01)
            below = descendants(process.pid)
            workers = [
                pid
                for pid in below
                if b"ivig_graph.serve.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
            assert workers and not any(_blocks_sigterm(pid) for pid in workers), launch
            os.killpg(process.pid, signal.SIGINT)
            assert process.wait(timeout=15) == 0, f"launch {launch}: still running after Ctrl+C"
        finally:
            for pid in [process.pid, *below]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()
