"""What the command line loads before it becomes granian's supervisor (``ivig-graph serve``),
and the version it prints without loading anything to know it in advance."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from ivig_graph.dataset.files import MANIFEST_FILE, NQUADS_FILE
from tests.servers import REPO, free_port

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


def test_serve_loads_none_of_the_build_libraries_before_granian_starts(tmp_path: Path) -> None:
    """rdflib, pySHACL, owlrl and rich are the build's (about 0.25 s of the start); Flask is
    the HTTP process's."""
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
    assert not loaded & {"rdflib", "pyshacl", "owlrl", "rich", "flask"}, sorted(loaded)


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
