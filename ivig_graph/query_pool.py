"""Query worker processes: the time budget, the cap on concurrent queries, crash isolation.

Each worker is a process with its own in-memory Oxigraph store of the built dataset (or, with
``PoolSettings.backend``, a client of a remote engine that holds it: ``ivig_graph.remote``).
The HTTP process hands a worker one query at a time over a pipe and waits at most ``timeout``
seconds for the answer; past that it SIGKILLs the worker (a query inside the engine cannot be
interrupted any other way: a cartesian product or a pathological expression never returns to
Python) and starts a fresh one in the background. A worker that dies (stack or memory
exhausted) is replaced the same way, and the HTTP process is never at risk.

At most ``size`` queries run at once. ``queue_limit`` more may wait up to ``queue_wait``
seconds for a worker; beyond that the pool refuses at once (``PoolOverloaded`` -> 503 with
Retry-After) rather than letting a queue grow until every client times out.

Workers are fresh interpreters (``python -m ivig_graph.query_pool``) talking over an inherited
socket: forking the threaded HTTP process is unsafe, and a fresh interpreter imports only the
engine. A worker exits by itself when the process that started it goes away.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import queue
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

from .engine import QueryAnswer, QueryFailed, QueryRequest, execute, load_store
from .remote import Backend, execute_remote

Executor = Callable[[QueryRequest], QueryAnswer]

log = logging.getLogger(__name__)

WORKER_STACK_BYTES = 256 * 1024 * 1024  # the engine recurses on the algebra; 8 MiB is too little
PARENT_CHECK_SECONDS = 0.5


class PoolError(Exception):
    """The pool could not run a query; ``status`` and ``retry_after`` shape the HTTP answer."""

    status = 503
    retry_after: int | None = None


class PoolOverloaded(PoolError):
    status = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryTimedOut(PoolError):
    status = 504


class WorkerLost(PoolError):
    status = 503


@dataclass(frozen=True)
class PoolSettings:
    size: int = 2
    timeout: float = 10.0
    queue_limit: int = 32
    queue_wait: float = 1.0
    memory_limit_bytes: int = 0  # 0: no limit
    start_timeout: float = 60.0
    # A remote engine's SPARQL query endpoint (``ivig_graph.remote``); None: the embedded store.
    backend: str | None = None

    @property
    def backend_timeout(self) -> float:
        """How long a worker waits for the remote: past the budget, so the budget acts first."""
        return self.timeout + 1.0


# ---------------------------------------------------------------- the worker process side


def worker_main(argv: list[str] | None = None) -> None:
    """Entry point of a worker process: load the store (or name the remote engine), then answer
    requests until EOF."""
    parser = argparse.ArgumentParser(prog="python -m ivig_graph.query_pool")
    parser.add_argument("--fd", type=int, required=True)
    engine = parser.add_mutually_exclusive_group(required=True)
    engine.add_argument("--nquads")
    engine.add_argument("--backend")
    parser.add_argument("--backend-timeout", type=float, default=10.0)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--memory-limit", type=int, default=0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl-C is for the server
    threading.Thread(target=_exit_when_orphaned, args=(args.parent,), daemon=True).start()
    if args.memory_limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (args.memory_limit, args.memory_limit))
    conn = Connection(args.fd)
    threading.stack_size(WORKER_STACK_BYTES)
    opener = (
        partial(_remote_executor, args.backend, args.backend_timeout)
        if args.backend
        else partial(_store_executor, Path(args.nquads))
    )
    thread = threading.Thread(target=_serve, args=(conn, opener), name="query")
    thread.start()
    thread.join()


def _exit_when_orphaned(parent: int) -> None:
    # The engine releases the GIL while it evaluates, so this runs even mid-query.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _store_executor(nquads_path: Path) -> Executor:
    return partial(execute, load_store(nquads_path))


def _remote_executor(url: str, timeout: float) -> Executor:
    return partial(execute_remote, Backend(url, timeout=timeout))


def _serve(conn: Connection, open_executor: Callable[[], Executor]) -> None:
    try:
        run = open_executor()
    except Exception as error:  # reported to the parent, which logs it
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(run, request))


def _answer(run: Executor, request: QueryRequest) -> tuple[str, object]:
    try:
        return ("ok", run(request))
    except QueryFailed as error:
        return ("failed", (error.status, str(error)))
    except MemoryError:
        return ("failed", (503, "The query needed more memory than this endpoint allows."))
    except Exception as error:  # never let one query kill the worker
        log.exception("unexpected error evaluating a query")
        return ("failed", (400, f"The query could not be evaluated ({type(error).__name__})."))


# ---------------------------------------------------------------- the HTTP process side


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()  # SIGKILL: the engine cannot be interrupted any other way
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


class QueryPool:
    """A fixed number of query worker processes; ``execute`` runs one query on one of them."""

    def __init__(self, nquads_path: Path, settings: PoolSettings) -> None:
        self.nquads_path = Path(nquads_path)
        self.settings = settings
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._in_flight = 0  # running + waiting
        self._alive = 0
        self._closed = False
        self.restarts = 0

    # -- life cycle

    def start(self) -> None:
        """Start every worker and wait until each has loaded the dataset."""
        workers = [self._spawn() for _ in range(self.settings.size)]
        for worker in workers:
            self._await_ready(worker)
            with self._lock:
                self._alive += 1
            self._idle.put(worker)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.kill()

    @property
    def ready(self) -> bool:
        return not self._closed and self._alive > 0

    def stats(self) -> dict[str, int]:
        return {
            "workers": self._alive,
            "idle": self._idle.qsize(),
            "in_flight": self._in_flight,
            "restarts": self.restarts,
        }

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "ivig_graph.query_pool",
            "--fd",
            str(theirs.fileno()),
            *self._engine_arguments(),
            "--parent",
            str(os.getpid()),
            "--memory-limit",
            str(self.settings.memory_limit_bytes),
        ]
        try:
            process = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            theirs.close()
        return _Worker(process, Connection(ours.detach()))

    def _engine_arguments(self) -> list[str]:
        backend = self.settings.backend
        if backend is None:
            return ["--nquads", str(self.nquads_path)]
        return ["--backend", backend, "--backend-timeout", str(self.settings.backend_timeout)]

    def _await_ready(self, worker: _Worker) -> None:
        if not worker.conn.poll(self.settings.start_timeout):
            worker.kill()
            raise RuntimeError("A query worker did not load the dataset in time.")
        status, detail = worker.conn.recv()
        if status != "ready":
            worker.kill()
            raise RuntimeError(f"A query worker could not load the dataset: {detail}")

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its successor in the background."""
        with self._lock:
            self._alive -= 1
            self.restarts += 1
        threading.Thread(target=self._respawn, args=(worker,), daemon=True).start()

    def _respawn(self, dead: _Worker) -> None:
        dead.kill()
        delay = 0.1
        while not self._closed:
            try:
                worker = self._spawn()
                self._await_ready(worker)
            except Exception:
                log.exception("could not restart a query worker; retrying in %.1f s", delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            if self._closed:
                worker.kill()
                return
            with self._lock:
                self._alive += 1
            self._idle.put(worker)
            return

    # -- running queries

    def execute(self, request: QueryRequest) -> QueryAnswer:
        """Run ``request`` on a free worker within the time budget, or raise ``PoolError``."""
        settings = self.settings
        retry_after = max(1, round(settings.queue_wait))
        with self._lock:
            if self._in_flight >= settings.size + settings.queue_limit:
                raise PoolOverloaded(
                    "The endpoint is busy: too many queries are running or waiting. Retry later.",
                    retry_after,
                )
            self._in_flight += 1
        try:
            try:
                worker = self._idle.get(timeout=settings.queue_wait)
            except queue.Empty:
                raise PoolOverloaded(
                    f"The endpoint is busy: no query worker became free within "
                    f"{settings.queue_wait:g} s. Retry later.",
                    retry_after,
                ) from None
            return self._run(worker, request)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _run(self, worker: _Worker, request: QueryRequest) -> QueryAnswer:
        timeout = self.settings.timeout
        try:
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                self._replace(worker)
                raise QueryTimedOut(
                    f"The query ran longer than this endpoint's time limit of {timeout:g} s "
                    "and was stopped. Narrow it (LIMIT, more specific patterns) and retry."
                )
            status, detail = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise WorkerLost(
                "The query was stopped: evaluating it exhausted the memory or stack this "
                "endpoint allows a query."
            ) from None
        self._idle.put(worker)
        if status == "ok":
            answer: QueryAnswer = detail
            return answer
        code, message = detail
        raise QueryFailed(message, status=code)


if __name__ == "__main__":
    worker_main()
