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
import os
import subprocess
import sys
import zipfile
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
