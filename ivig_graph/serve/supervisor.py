"""granian's supervising process: ``python -m ivig_graph.serve.supervisor``, which
``run_server`` becomes (``os.execv``) once the port and the backend are checked.

Its few settings come as arguments (``GranianSettings``; the HTTP processes read the whole
configuration from the ``IVIG_*`` environment). It imports only granian: the supervisor only
starts, watches and stops the HTTP processes, so it does without rdflib, Flask and the engine,
which made it 68 MB as the CLI's own process (bench/RESULTS.md 2026-12-01).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import TYPE_CHECKING

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import MPServer

from ivig_graph.serve.bodies import WAITING_BODIES

if TYPE_CHECKING:
    from ivig_graph.web.config import ServerConfig

HEADER_READ_TIMEOUT_MS = 10_000
# prometheus-client's own name for its multiprocess directory (web/metrics.py reads it).
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class WaitingThreads(logging.Filter):
    """Drops granian's warning that more app threads than cores is a lot: ours spend their
    time waiting for a query worker's answer, not computing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Python threads" not in record.getMessage()


# granian's own log lines, on standard error beside the app's, without that warning.
GRANIAN_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"threads": {"()": f"{__name__}.WaitingThreads"}},
    "formatters": {"generic": {"()": "logging.Formatter", "fmt": "[%(levelname)s] %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["threads"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


@dataclass(frozen=True)
class GranianSettings:
    """What granian itself needs of the configuration."""

    host: str
    port: int
    processes: int
    threads: int
    backpressure: int  # connections, not requests: see serve/http.py

    @classmethod
    def of(cls, config: ServerConfig) -> GranianSettings:
        return cls(
            config.host,
            config.port,
            config.http_processes,
            config.http_threads,
            config.max_connections,
        )

    def arguments(self) -> list[str]:
        values = zip(fields(self), astuple(self), strict=True)
        return [part for f, value in values for part in (f"--{f.name}", str(value))]

    @classmethod
    def parse(cls, argv: Sequence[str]) -> GranianSettings:
        parser = argparse.ArgumentParser(prog="python -m ivig_graph.serve.supervisor")
        for f in fields(cls):
            parser.add_argument(f"--{f.name}", type=str if f.name == "host" else int, required=True)
        return cls(**vars(parser.parse_args(argv)))


def granian_server(settings: GranianSettings) -> MPServer:
    return MPServer(
        "ivig_graph.web.wsgi:app_from_environment",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.processes,
        blocking_threads=settings.threads + WAITING_BODIES,  # serve/bodies.py
        backpressure=settings.backpressure,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        log_access=False,  # the app writes its own structured access log
        log_dictconfig=GRANIAN_LOGGING,
        respawn_failed_workers=True,
    )


def serve(settings: GranianSettings) -> None:
    os.environ.pop(MULTIPROCESS_VARIABLE, None)
    if settings.processes == 1:
        granian_server(settings).serve()
        return
    # Several HTTP processes: /metrics adds up what each wrote here (web/metrics.py).
    with tempfile.TemporaryDirectory(prefix="ivig-graph-metrics-") as directory:
        os.environ[MULTIPROCESS_VARIABLE] = directory
        granian_server(settings).serve()


def main() -> None:
    serve(GranianSettings.parse(sys.argv[1:]))


if __name__ == "__main__":
    main()
