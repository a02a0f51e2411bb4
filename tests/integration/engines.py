"""Real triple stores on loopback: Oxigraph's server and Virtuoso Open Source, started and stopped.

Each engine runs in its own temporary directory on free 127.0.0.1 ports; ``oxigraph(dir)`` and
``virtuoso(dir)`` are context managers that start the server, wait until it answers a query, yield
its endpoints and stop it on exit. ``ensure_installed()`` runs scripts/engines/install.sh (pip for
Oxigraph, apt-get for Virtuoso and nginx) when a program is missing, and says clearly if that did
not help.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ivig_graph.clients.gsp import Credentials
from ivig_graph.serve.front import nginx_program  # also the replica test's balancer
from tests.servers import free_ports

REPO = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO / "scripts" / "engines" / "install.sh"
INSTALL_TIMEOUT = 600.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

# Virtuoso creates a new database with this administrator; its -auth endpoint uses digest.
VIRTUOSO_DBA = Credentials("dba", "dba", "digest")

_PROBE_QUERY = "ASK {}"


class EngineUnavailable(RuntimeError):
    """An engine could not be installed or started; the message says why and what to run."""


@dataclass(frozen=True)
class RunningEngine:
    name: str
    base_url: str
    store_url: str  # Graph Store HTTP Protocol endpoint
    query_url: str  # SPARQL 1.1 Protocol query endpoint
    credentials: Credentials | None
    log: Path


def oxigraph_program() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    return str(beside_python) if beside_python.is_file() else shutil.which("oxigraph")


def virtuoso_program() -> str | None:
    return shutil.which("virtuoso-t")


def _programs() -> tuple[tuple[str, str | None], ...]:
    return (
        ("oxigraph", oxigraph_program()),
        ("virtuoso-t", virtuoso_program()),
        ("nginx", nginx_program()),
    )


def ensure_installed() -> None:
    """Install whichever server is missing, or raise EngineUnavailable saying how to."""
    if all(program for _, program in _programs()):
        return
    command = ["bash", str(INSTALL_SCRIPT)]
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            env={**os.environ, "PYTHON": sys.executable},
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        output = (done.stdout + done.stderr)[-2000:]
    except subprocess.TimeoutExpired:
        output = f"timed out after {INSTALL_TIMEOUT:g} s"
    missing = [name for name, program in _programs() if program is None]
    if missing:
        raise EngineUnavailable(
            f"{', '.join(missing)} not installed, and {INSTALL_SCRIPT.relative_to(REPO)} did not "
            f"install it. Run it as root (it uses pip and apt-get). Its output:\n{output}"
        )


@contextmanager
def oxigraph(directory: Path) -> Iterator[RunningEngine]:
    program = oxigraph_program()
    if program is None:
        raise EngineUnavailable("oxigraph not installed: run scripts/engines/install.sh")
    (port,) = free_ports(1)
    base = f"http://127.0.0.1:{port}"
    command = [
        program,
        "serve",
        "--location",
        str(directory / "data"),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    engine = RunningEngine(
        "oxigraph", base, f"{base}/store", f"{base}/query", None, directory / "oxigraph.log"
    )
    with _running(engine, command, directory):
        yield engine


@contextmanager
def virtuoso(directory: Path) -> Iterator[RunningEngine]:
    program = virtuoso_program()
    if program is None:
        raise EngineUnavailable("virtuoso-t not installed: run scripts/engines/install.sh")
    sql_port, http_port = free_ports(2)
    directory.mkdir(parents=True, exist_ok=True)
    ini = directory / "virtuoso.ini"
    _write_virtuoso_ini(ini, directory, sql_port, http_port)
    base = f"http://127.0.0.1:{http_port}"
    engine = RunningEngine(
        "virtuoso",
        base,
        f"{base}/sparql-graph-crud-auth",
        f"{base}/sparql",
        VIRTUOSO_DBA,
        directory / "virtuoso-console.log",
    )
    command = [program, "+configfile", str(ini), "+foreground"]
    with _running(engine, command, directory):
        yield engine


def _write_virtuoso_ini(path: Path, directory: Path, sql_port: int, http_port: int) -> None:
    """The smallest virtuoso.ini that serves HTTP on loopback from files in ``directory``."""
    ini = configparser.ConfigParser()
    ini.optionxform = str  # type: ignore[assignment,method-assign]  # keep Virtuoso's key case
    ini["Database"] = {
        "DatabaseFile": str(directory / "virtuoso.db"),
        "ErrorLogFile": str(directory / "virtuoso.log"),
        "LockFile": str(directory / "virtuoso.lck"),
        "TransactionFile": str(directory / "virtuoso.trx"),
        "xa_persistent_file": str(directory / "virtuoso.pxa"),
        "FileExtend": "200",
        "MaxCheckpointRemap": "2000",
        "Striping": "0",
        "TempStorage": "TempDatabase",
    }
    ini["TempDatabase"] = {
        "DatabaseFile": str(directory / "virtuoso-temp.db"),
        "TransactionFile": str(directory / "virtuoso-temp.trx"),
        "MaxCheckpointRemap": "2000",
        "Striping": "0",
    }
    ini["Parameters"] = {
        "ServerPort": f"127.0.0.1:{sql_port}",
        "DirsAllowed": f"., {directory}",
        "NumberOfBuffers": "10000",
        "MaxDirtyBuffers": "6000",
        "ServerThreads": "10",
        "CheckpointInterval": "0",
    }
    ini["HTTPServer"] = {
        "ServerPort": f"127.0.0.1:{http_port}",
        "ServerRoot": str(directory),
        "MaxClientConnections": "5",
        "ServerThreads": "5",
    }
    ini["SPARQL"] = {"ResultSetMaxRows": "100000", "MaxQueryExecutionTime": "60"}
    with path.open("w", encoding="utf-8") as file:
        ini.write(file)


@contextmanager
def _running(engine: RunningEngine, command: list[str], directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with engine.log.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=directory, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_until_ready(engine, process)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)


def _wait_until_ready(engine: RunningEngine, process: subprocess.Popen[bytes]) -> None:
    probe = engine.query_url + "?" + urllib.parse.urlencode({"query": _PROBE_QUERY})
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineUnavailable(
                f"{engine.name} exited with status {process.returncode} while starting:\n"
                + _tail(engine.log)
            )
        try:
            with urllib.request.urlopen(probe, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise EngineUnavailable(
        f"{engine.name} did not answer {probe} within {START_TIMEOUT:g} s:\n" + _tail(engine.log)
    )


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
