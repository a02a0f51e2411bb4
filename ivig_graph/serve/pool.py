"""``QueryPool``: query worker processes under a time budget, with a cap on queries at once.

Hand-written because no library does what this needs: pyoxigraph has no timeout or
cancellation (a cartesian product or a pathological expression never returns to Python), so a
query runs in a worker process (``serve.worker``) that the pool SIGKILLs when the budget is
spent, and replaces in the background. A worker that dies (memory or stack) is replaced the
same way; the HTTP process is never at risk.

``Slots`` caps the queries running and waiting, and what one client may hold of them (429 or
503 beyond, at once: see ``serve.slots``). A worker writes its answer to a file of the pool's
``Spool`` and the slot is free as soon as it has: the answer is sent from the file
(``serve.spool``), however slowly the client reads. Everything lives in this process: one HTTP
process serves the endpoint (docs/endpoint.md).

Workers are fresh interpreters talking over an inherited socket pair (forking a threaded
process is unsafe). They open one on-disk store read-only (``StoreCopy``: the one the build
wrote, else a temporary copy), so each worker costs its interpreter and the engine's caches,
not a copy of the data.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.util import Finalize
from pathlib import Path
from typing import TYPE_CHECKING

from ivig_graph.errors import Overloaded, QueryError, TimedOut, WorkerLost
from ivig_graph.query.engine import QueryRequest
from ivig_graph.serve.pool_settings import PoolSettings
from ivig_graph.serve.slots import Slots
from ivig_graph.serve.spool import AnswerJob, Spool, SpooledAnswer
from ivig_graph.serve.store_copy import StoreCopy
from ivig_graph.serve.worker import why_lost

if TYPE_CHECKING:
    from ivig_graph.dataset.files import BuiltDataset
    from ivig_graph.web.config import ServerConfig

log = logging.getLogger(__name__)

# glibc reserves 64 MiB of address space per thread for its allocator; the store's threads made
# a worker need over 1 GiB of address space (its memory limit) before answering anything.
WORKER_ENVIRONMENT = {"MALLOC_ARENA_MAX": "2"}


def start_pool(dataset: BuiltDataset, config: ServerConfig, *, wait: bool = True) -> QueryPool:
    """The query workers of the endpoint ``config`` describes, one for each query slot."""
    pool = QueryPool(dataset.nquads_path, PoolSettings.of(config), dataset.store_directory)
    pool.start(wait)
    atexit.register(pool.close)
    return pool


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
    """``settings.size`` worker processes; ``execute`` runs one query on one of them."""

    def __init__(self, nquads_path: Path, settings: PoolSettings, store: Path | None = None):
        self.nquads_path = Path(nquads_path)
        self.store_directory = store  # the build's store, if it wrote one
        self.settings = settings
        self.slots = Slots(settings)
        self.restarts = 0
        self._copy: StoreCopy | None = None
        self.spool = Spool()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._alive = 0
        self._closed = False
        self._starting: list[_Worker] = []

    # -- life cycle

    def start(self, wait: bool = True) -> None:
        """Start every worker and, unless ``wait`` is False, wait until each has opened the
        dataset (``wait_until_ready`` does it later: the caller builds the app meanwhile).
        ``close`` runs at exit, also in a granian worker, which ends through ``os._exit`` (no
        atexit), but runs multiprocessing's finalizers: the store copy and the spool were
        left behind."""
        Finalize(None, self.close, exitpriority=10)
        if self.settings.backend is None:
            self._copy = StoreCopy(self.nquads_path, self.store_directory)
        self._starting = [self._spawn() for _ in range(self.settings.size)]
        if wait:
            self.wait_until_ready()

    def wait_until_ready(self) -> None:
        """Wait until each worker ``start`` started has opened the dataset."""
        starting, self._starting = self._starting, []
        for worker in starting:
            self._await_ready(worker)
            with self._lock:
                self._alive += 1
            self._idle.put(worker)

    def close(self) -> None:
        self._closed = True
        for worker in self._starting:  # started, not yet waited for
            worker.kill()
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
        if self._copy is not None:
            self._copy.close()
        self.spool.close()

    @property
    def ready(self) -> bool:
        return not self._closed and self._alive > 0

    def stats(self) -> dict[str, int]:
        return {
            "workers": self._alive,
            "idle": self._idle.qsize(),
            "running": self.slots.running,
            "waiting": self.slots.waiting,
            "restarts": self.restarts,
        }

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "ivig_graph.serve.worker",
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
                env={**os.environ, **WORKER_ENVIRONMENT},
            )
        finally:
            theirs.close()
        return _Worker(process, Connection(ours.detach()))

    def _engine_arguments(self) -> list[str]:
        if self._copy is not None:
            return ["--store", str(self._copy.directory)]
        backend = self.settings.backend
        assert backend is not None
        return ["--backend", backend, "--backend-timeout", str(self.settings.backend_timeout)]

    def _await_ready(self, worker: _Worker) -> None:
        if not worker.conn.poll(self.settings.start_timeout):
            worker.kill()
            raise RuntimeError("A query worker did not open the dataset in time.")
        status, detail = worker.conn.recv()
        if status != "ready":
            worker.kill()
            raise RuntimeError(f"A query worker could not open the dataset: {detail}")

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

    def execute(
        self, request: QueryRequest, client: str = "", gzip_min_bytes: int = 0
    ) -> SpooledAnswer:
        """Run ``request`` on a free worker within the time budget, its answer in a spool file
        (gzip-compressed if at least ``gzip_min_bytes`` long, unless 0), or raise a
        ``QueryError`` (``Overloaded``, ``ClientOverShare``, ``TimedOut``, ``WorkerLost`` or the
        engine's own refusal); a bug in the worker raises ``RuntimeError``."""
        started = time.monotonic()
        self.slots.enter(client)
        try:
            remaining = max(0.0, self.settings.queue_wait - (time.monotonic() - started))
            try:  # a worker per slot, but one may still be restarting
                worker = self._idle.get(timeout=remaining)
            except queue.Empty:
                raise Overloaded(
                    "The endpoint is busy: its query workers are restarting. Retry later.",
                    retry_after=max(1, round(self.settings.queue_wait)),
                ) from None
            job = AnswerJob(request, self.spool.new_path(), gzip_min_bytes)
            try:
                return self._run(worker, job)
            except BaseException:
                Path(job.path).unlink(missing_ok=True)  # what a killed worker had written
                raise
        finally:
            self.slots.leave(client)

    def _release(self, worker: _Worker) -> None:
        """Back to the idle queue; a worker that finishes after ``close`` has no queue to go
        back to (``close`` emptied it) and is stopped instead."""
        if self._closed:
            worker.kill()
        else:
            self._idle.put(worker)

    def _run(self, worker: _Worker, job: AnswerJob) -> SpooledAnswer:
        timeout = self.settings.timeout
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._replace(worker)
                raise TimedOut(
                    f"The query ran longer than this endpoint's time limit of {timeout:g} s "
                    "and was stopped. Narrow it (LIMIT, more specific patterns) and retry."
                )
            status, detail = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise WorkerLost(_why_lost(worker)) from None
        if status == "exhausted":
            self._replace(worker)  # a worker that hit its memory limit is not trusted again
            raise WorkerLost(str(detail))
        self._release(worker)
        if status == "ok":
            assert isinstance(detail, SpooledAnswer)
            return detail
        if status == "refused":
            assert isinstance(detail, QueryError)
            raise detail
        raise RuntimeError(f"query worker: {detail}")


def _why_lost(worker: _Worker) -> str:
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.process.wait(timeout=1)
    return why_lost(worker.process.returncode)
