"""Admission of queries: one cap on running and waiting queries for every forked HTTP process,
and slots of a dead process given back."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection

import pytest

from ivig_graph.admission import Admission, AdmissionRefused

FORK = multiprocessing.get_context("fork")


def test_slots_then_a_bounded_queue_then_refusal() -> None:
    admission = Admission(slots=2, queue_limit=0)
    first, second = admission.enter(0), admission.enter(0)
    assert {first, second} == {0, 1}
    assert admission.stats().running == 2
    started = time.monotonic()
    with pytest.raises(AdmissionRefused) as refused:
        admission.enter(5)
    assert not refused.value.waited and time.monotonic() - started < 1  # no queue: at once
    admission.leave(first)
    assert admission.enter(0) == first


def test_a_waiting_query_gets_the_next_free_slot_or_gives_up_in_time() -> None:
    admission = Admission(slots=1, queue_limit=1)
    slot = admission.enter(0)
    started = time.monotonic()
    with pytest.raises(AdmissionRefused) as refused:
        admission.enter(0.3)
    assert refused.value.waited and 0.25 < time.monotonic() - started < 2
    assert admission.stats().waiting == 0
    threading.Timer(0.2, admission.leave, args=(slot,)).start()
    started = time.monotonic()
    assert admission.enter(5) == slot  # woken by the leave, long before the deadline
    assert time.monotonic() - started < 2


def _hold(admission: Admission, seconds: float, pipe: Connection) -> None:
    slot = admission.enter(0)
    pipe.send(slot)
    time.sleep(seconds)
    admission.leave(slot)


def test_the_cap_is_shared_by_forked_processes() -> None:
    admission = Admission(slots=1, queue_limit=4)
    ours, theirs = FORK.Pipe()
    child = FORK.Process(target=_hold, args=(admission, 0.5, theirs))
    child.start()
    try:
        assert ours.recv() == 0  # the child holds the only slot
        assert admission.stats().running == 1
        with pytest.raises(AdmissionRefused):
            admission.enter(0.1)
        started = time.monotonic()
        slot = admission.enter(10)  # woken when the child leaves, not at the deadline
        assert slot == 0 and time.monotonic() - started < 5
        admission.leave(slot)
    finally:
        child.join(timeout=10)
    assert child.exitcode == 0


def _hold_and_die(admission: Admission, pipe: Connection) -> None:
    pipe.send(admission.enter(0))
    time.sleep(60)  # killed before it leaves


def test_slots_of_a_killed_process_are_reclaimed() -> None:
    admission = Admission(slots=1, queue_limit=0)
    ours, theirs = FORK.Pipe()
    child = FORK.Process(target=_hold_and_die, args=(admission, theirs))
    child.start()
    assert ours.recv() == 0
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=10)
    with pytest.raises(AdmissionRefused):
        admission.enter(0)  # the dead process still holds it
    assert admission.reclaim(child.pid) == 1
    assert admission.reclaim(child.pid) == 0
    assert admission.enter(0) == 0
