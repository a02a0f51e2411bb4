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
Retry-After) rather than letting a queue grow until every client times out. The counts live in
an ``Admission``, which several HTTP processes may share (``ivig_graph.admission``).

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
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from .admission import Admission, AdmissionRefused
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
    # A request a worker evaluated within this many seconds runs in the calling process the
    # next times (``KnownCheap``); 0: every query goes to a worker.
    inline_seconds: float = 0.0

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
    started = time.perf_counter()
    try:
        answer = run(request)
        return ("ok", (answer, time.perf_counter() - started))
    except QueryFailed as error:
        return ("failed", (error.status, str(error)))
    except MemoryError:
        return ("failed", (503, "The query needed more memory than this endpoint allows."))
    except Exception as error:  # never let one query kill the worker
        log.exception("unexpected error evaluating a query")
        return ("failed", (400, f"The query could not be evaluated ({type(error).__name__})."))


# ---------------------------------------------------------------- the HTTP process side


class KnownCheap:
    """Requests a worker evaluated within ``seconds``: they may run in the HTTP process.

    The dataset never changes while it is served, so a request (query text, format, base,
    dataset, row cap) costs the same every time: one that a worker evaluated in a millisecond
    cannot run away, and running it in place skips the hand-off to a worker process (two pipe
    transfers and two wake-ups, more than such a query's own cost). The threshold is low
    because a query run in place holds up the HTTP process's other requests while the engine
    serializes its answer (bench/RESULTS.md: a 4 ms CONSTRUCT ran at half the rate). Only short
    query texts qualify (the engine recurses on the algebra, and the HTTP threads' stacks are
    smaller than a worker's). Every other request, and every request the first time, goes to a
    worker, under the time budget. At most ``capacity`` requests are remembered, the least
    recently used forgotten. The answers themselves are not kept: this is not a result cache.
    """

    MAX_QUERY_LENGTH = 4096

    def __init__(self, seconds: float, capacity: int = 4096) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self.answered = 0
        self._known: OrderedDict[QueryRequest, None] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def __len__(self) -> int:
        return len(self._known)

    def knows(self, request: QueryRequest) -> bool:
        with self._lock:
            if request not in self._known:
                return False
            self._known.move_to_end(request)
            return True

    def observe(self, request: QueryRequest, seconds: float) -> None:
        """A worker evaluated ``request`` in ``seconds`` (as the worker measured it)."""
        if seconds >= self.seconds or len(request.query) > self.MAX_QUERY_LENGTH:
            return
        with self._lock:
            self._known[request] = None
            while len(self._known) > self.capacity:
                self._known.popitem(last=False)


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

    def __init__(
        self, nquads_path: Path, settings: PoolSettings, admission: Admission | None = None
    ) -> None:
        """``admission`` counts running and waiting queries; one made before gunicorn forks is
        shared by all the HTTP processes (each then has its own ``settings.size`` workers)."""
        self.nquads_path = Path(nquads_path)
        self.settings = settings
        self.admission = admission or Admission(settings.size, settings.queue_limit)
        self.cheap = KnownCheap(settings.inline_seconds)
        self._local: ox.Store | None = None  # the store for known-cheap requests
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._alive = 0
        self._closed = False
        self.restarts = 0

    # -- life cycle

    def start(self) -> None:
        """Start every worker and wait until each has loaded the dataset (and load it here too
        if known-cheap requests are to run here)."""
        workers = [self._spawn() for _ in range(self.settings.size)]
        if self.cheap.enabled and self.settings.backend is None:
            self._local = load_store(self.nquads_path)
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
        admitted = self.admission.stats()
        return {
            "workers": self._alive,
            "idle": self._idle.qsize(),
            "in_flight": admitted.running + admitted.waiting,
            "restarts": self.restarts,
            "known_cheap": len(self.cheap),
            "answered_inline": self.cheap.answered,
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
        if self._local is not None and self.cheap.knows(request):
            # Like a cache hit, a known-cheap request costs about what its HTTP handling costs,
            # and takes no query slot (waking waiters across processes cost more than it).
            self.cheap.answered += 1
            return execute(self._local, request)
        started = time.monotonic()
        try:
            slot = self.admission.enter(settings.queue_wait)
        except AdmissionRefused as refused:
            raise PoolOverloaded(
                f"The endpoint is busy: no query worker became free within "
                f"{settings.queue_wait:g} s. Retry later."
                if refused.waited
                else "The endpoint is busy: too many queries are running or waiting. Retry later.",
                retry_after,
            ) from None
        try:
            # This process has a worker for every slot; one may still be restarting.
            remaining = max(0.0, settings.queue_wait - (time.monotonic() - started))
            try:
                worker = self._idle.get(timeout=remaining)
            except queue.Empty:
                raise PoolOverloaded(
                    "The endpoint is busy: its query workers are restarting. Retry later.",
                    retry_after,
                ) from None
            return self._run(worker, request)
        finally:
            self.admission.leave(slot)

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
            answer: QueryAnswer
            answer, seconds = detail
            if self._local is not None:
                self.cheap.observe(request, seconds)
            return answer
        code, message = detail
        raise QueryFailed(message, status=code)


if __name__ == "__main__":
    worker_main()
