"""Load from wrk: ``drive`` runs ``wrk -t2 -c16 --latency`` with ``fresh.lua`` and parses its
summary into a ``Load`` (requests/s, p50, p99, errors)."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "fresh.lua"
CONNECTIONS = 16
THREADS = 2
# wrk abandons the requests in flight when it stops, and a server still answers them (nothing
# cancels a query whose client left): the next run waits for them, or its first requests would
# find the previous run's in the one client's queue (up to 71 answers 429 in 5 s, 2026-12-02).
DRAIN_SECONDS = 1.0
FRESH = "fresh"
REPEATED = "repeated"


@dataclass
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        return float("nan")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(output: str) -> Load:
    """wrk's summary as numbers; errors are non-2xx/3xx answers plus socket errors."""
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Load(
        requests_per_s=float(rate.group(1)) if rate else 0.0,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
        requests=int(total.group(1)) if total else 0,
        errors=errors,
    )


def drive(
    port: int,
    requests: list[tuple[str, str]],
    seconds: float,
    mode: str = FRESH,
    connections: int = CONNECTIONS,
) -> Load:
    """Load ``127.0.0.1:port`` for ``seconds`` with ``requests`` ((Accept, path) pairs)
    round-robin; in ``FRESH`` mode every request's query text is new."""
    time.sleep(DRAIN_SECONDS)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="wrk-", delete=False) as file:
        file.write("".join(f"{accept}\t{path}\n" for accept, path in requests))
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        f"http://127.0.0.1:{port}",
        "--",
        file.name,
        mode,
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        Path(file.name).unlink()
    return parse_wrk(result.stdout)
