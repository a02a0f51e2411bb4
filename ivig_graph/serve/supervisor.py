"""granian's supervising process: ``python -m ivig_graph.serve.supervisor``, which
``run_server`` becomes (``os.execv``) once the port and the backend are checked.

Its few settings come as arguments (``GranianSettings``; the HTTP processes read the whole
configuration from the ``IVIG_*`` environment). It imports only granian (and serve/front.py,
which starts nginx for ``--front``): the supervisor only starts, watches and stops the HTTP
processes, so it does without rdflib, Flask and the engine, which made it 68 MB as the CLI's
own process (bench/RESULTS.md 2026-12-01).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import MPServer

from ivig_graph.errors import FrontFailed
from ivig_graph.serve.bodies import WAITING_BODIES
from ivig_graph.serve.front import HEADER_TIMEOUT, SOCKET_NAME, Front
from ivig_graph.serve.granian_settings import GranianSettings

HEADER_READ_TIMEOUT_MS = HEADER_TIMEOUT * 1000  # the same deadline as the front's
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


def granian_server(settings: GranianSettings) -> MPServer:
    return MPServer(
        "ivig_graph.web.wsgi:app_from_environment",
        factory=True,
        address=settings.host,
        port=settings.port,
        uds=Path(settings.front) / SOCKET_NAME if settings.front else None,
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
    with ExitStack() as stack:
        if settings.processes > 1:
            # Several HTTP processes: /metrics adds up what each wrote here (web/metrics.py).
            metrics = tempfile.TemporaryDirectory(prefix="ivig-graph-metrics-")
            os.environ[MULTIPROCESS_VARIABLE] = stack.enter_context(metrics)
        server = granian_server(settings)
        if not settings.front:
            server.serve()
            return
        # The front (serve/front.py) starts once granian's socket is bound, and stops after
        # granian however ``serve`` ends (granian's own shutdown may end in ``sys.exit``).
        front = Front(Path(settings.front), settings.host, settings.port)
        stack.callback(shutil.rmtree, settings.front, ignore_errors=True)
        stack.callback(front.stop)
        server.on_startup(lambda: front.start(when_it_exits=server.signal_handler_interrupt))
        server.serve()
        if front.failed:
            raise FrontFailed(front.failed)


def main() -> None:
    try:
        serve(GranianSettings.parse(sys.argv[1:]))
    except FrontFailed as error:
        print(f"ivig-graph serve: {error}", file=sys.stderr, flush=True)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
