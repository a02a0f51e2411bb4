"""The query slots: a cap on queries at once, a bounded queue in arrival order, a fair share per
client, and only the waiter who can take a freed slot woken for it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from ivig_graph.errors import ClientOverShare, Overloaded
from ivig_graph.serve.slots import Slots


@dataclass(frozen=True)
class Settings:
    size: int = 2
    share: int = 1
    queue_share: int = 2
    queue_limit: int = 4
    queue_wait: float = 2.0


def waiting_thread(slots: Slots, client: str, order: list[str]) -> threading.Thread:
    def run() -> None:
        slots.enter(client)
        order.append(client)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 2
    while slots.waiting == 0 and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    return thread


def test_a_client_at_its_share_waits_while_another_client_is_served() -> None:
    slots = Slots(Settings())
    slots.enter("hog")
    order: list[str] = []
    hog_again = waiting_thread(slots, "hog", order)  # over its share: waits
    assert slots.waiting == 1
    slots.enter("other")  # a free slot, and the hog may not take it: no wait
    assert slots.running == 2 and order == []
    slots.leave("hog")  # the hog's own slot frees: its waiter goes in
    hog_again.join(timeout=2)
    assert order == ["hog"] and slots.running == 2 and slots.waiting == 0


def test_waiters_are_served_in_arrival_order() -> None:
    slots = Slots(Settings(size=1, share=1))
    slots.enter("a")
    order: list[str] = []
    first = waiting_thread(slots, "b", order)
    second = waiting_thread(slots, "c", order)
    while slots.waiting < 2:
        time.sleep(0.005)
    slots.leave("a")
    first.join(timeout=2)
    assert order == ["b"] and second.is_alive()
    slots.leave("b")
    second.join(timeout=2)
    assert order == ["b", "c"]


def test_a_full_queue_refuses_at_once_and_a_client_may_not_fill_it() -> None:
    slots = Slots(Settings(size=1, share=1, queue_share=1, queue_limit=1, queue_wait=5))
    slots.enter("a")
    waiter = waiting_thread(slots, "b", [])
    started = time.monotonic()
    with pytest.raises(Overloaded):
        slots.enter("c")
    assert time.monotonic() - started < 0.5
    slots.leave("a")
    waiter.join(timeout=2)
    slots2 = Slots(Settings(size=1, share=1, queue_share=1, queue_limit=8, queue_wait=5))
    slots2.enter("x")
    waiting_thread(slots2, "y", [])
    with pytest.raises(ClientOverShare):  # y already holds its one place in the queue
        slots2.enter("y")
    slots2.leave("x")


def test_waiting_past_the_limit_is_refused_saying_why() -> None:
    slots = Slots(Settings(size=1, share=1, queue_wait=0.2))
    slots.enter("a")
    with pytest.raises(ClientOverShare):  # a waits for itself
        slots.enter("a")
    with pytest.raises(Overloaded):  # b waits for a slot that never frees
        slots.enter("b")
    assert slots.waiting == 0 and slots.running == 1
