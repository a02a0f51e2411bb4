"""A query worker process: ``python -m ivig_graph.serve.worker``.

It opens the dataset (the on-disk store read-only, or a client of the remote engine), then
runs one ``AnswerJob`` at a time from the pipe it was given, until the pipe closes or the
process that started it goes away. It is a process and not a thread because pyoxigraph cannot
cancel a query: the pool kills a worker that runs past the time budget (``serve.pool``).
The answer goes to the job's spool file (``serve.spool``), not through the pipe, so that the
HTTP process never holds it whole.

Each reply is a tuple ``(status, detail)``:
* ``("ok", SpooledAnswer)``: the answer is in its file;
* ``("refused", QueryError)``: the query cannot be answered (syntax, format, backend);
* ``("exhausted", message)``: the worker ran out of the memory it may use;
* ``("bug", message)``: anything else. Its trace goes to this process's standard error (the
  server's log), never to the client; the pool turns it into a 500.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from ivig_graph.errors import QueryError
from ivig_graph.query.engine import QueryAnswer, QueryRequest, execute
from ivig_graph.serve.spool import AnswerJob, write_answer

Executor = Callable[[QueryRequest], QueryAnswer]
Reply = tuple[str, object]

log = logging.getLogger(__name__)

STACK_BYTES = 256 * 1024 * 1024  # the engine recurses on the algebra; 8 MiB is too little
PARENT_CHECK_SECONDS = 0.5
# How a worker ends when the engine runs out of memory (abort) or stack (segfault).
_EXHAUSTED_SIGNALS = {-6, -11}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ivig_graph.serve.worker")
    parser.add_argument("--fd", type=int, required=True)
    engine = parser.add_mutually_exclusive_group(required=True)
    engine.add_argument("--store", help="an on-disk Oxigraph store, opened read-only")
    engine.add_argument("--backend", help="a remote engine's SPARQL query endpoint")
    parser.add_argument("--backend-timeout", type=float, default=10.0)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--memory-limit", type=int, default=0)
    args = parser.parse_args(argv)
    # Signals blocked in the server thread that started this process stay blocked across exec
    # (web/wsgi.py blocks the stop signals while it builds the app): none here.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    logging.basicConfig(format="%(asctime)s [%(process)d] [worker] %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl+C is for the server
    threading.Thread(target=_exit_when_orphaned, args=(args.parent,), daemon=True).start()
    if args.memory_limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (args.memory_limit, args.memory_limit))
    conn = Connection(args.fd)
    threading.stack_size(STACK_BYTES)
    opener = (
        partial(_remote_executor, args.backend, args.backend_timeout)
        if args.backend
        else partial(_store_executor, Path(args.store))
    )
    thread = threading.Thread(target=serve, args=(conn, opener), name="query")
    thread.start()
    thread.join()


def _exit_when_orphaned(parent: int) -> None:
    # The engine releases the GIL while it evaluates, so this runs even mid-query.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _store_executor(path: Path) -> Executor:
    return partial(execute, ox.Store.read_only(str(path)))


def _remote_executor(url: str, timeout: float) -> Executor:
    from ivig_graph.clients.sparql_backend import Backend, execute_remote

    return partial(execute_remote, Backend(url, timeout=timeout))


def serve(conn: Connection, open_executor: Callable[[], Executor]) -> None:
    try:
        run = open_executor()
    except Exception as error:  # reported to the pool, which logs it and retries
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(answer(run, job))


def answer(run: Executor, job: AnswerJob) -> Reply:
    """Run one job; never raises, so that one query cannot end the worker."""
    try:
        return ("ok", write_answer(run(job.request), job))
    except QueryError as error:
        return ("refused", error)
    except MemoryError:
        return ("exhausted", "The query needed more memory than this endpoint allows a query.")
    except Exception as error:
        log.exception("unexpected error evaluating a query")
        return ("bug", f"{type(error).__name__} in a query worker")


def why_lost(code: int | None) -> str:
    """What to tell the client whose query's worker ended with ``code`` (a ``Popen``
    return code: minus the signal's number). Only an abort or a segfault is the engine running
    out of memory or stack; a worker killed from outside (SIGKILL, SIGTERM) or one that exited
    did not fail because of the query."""
    if code in _EXHAUSTED_SIGNALS:
        return (
            "The query was stopped: evaluating it exhausted the memory or stack this endpoint "
            "allows a query."
        )
    ended = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return (
        f"The query worker stopped ({ended}) while evaluating this query, not because of the "
        "query; retry it."
    )


if __name__ == "__main__":
    main()
