"""How the build shows its stages: a live spinner line on a terminal, plain lines otherwise."""

from __future__ import annotations

import itertools
import threading
import time
from typing import TextIO

from ivig_graph.build.pipeline import STAGES

SPINNER = "|/-\\"


class StageDisplay:
    """A ``build.Progress`` callback that writes to ``stream``."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live
        self.timings: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _prefix(self, stage: str) -> str:
        number = STAGES.index(stage) + 1 if stage in STAGES else 0
        return f"[{number}/{len(STAGES)}] {stage:<9}"

    def _spin(self, stage: str) -> None:
        started = time.perf_counter()
        for frame in itertools.cycle(SPINNER):
            if self._stop.wait(0.1):
                return
            elapsed = time.perf_counter() - started
            self.stream.write(f"\r{self._prefix(stage)} {frame} {elapsed:5.1f}s")
            self.stream.flush()

    def __call__(self, stage: str, event: str, seconds: float) -> None:
        if event == "start":
            if self.live:
                self._stop.clear()
                self._thread = threading.Thread(target=self._spin, args=(stage,), daemon=True)
                self._thread.start()
            else:
                self.stream.write(f"{self._prefix(stage)} ...\n")
            return
        self.timings[stage] = seconds
        if self.live and self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.stream.write(f"\r{self._prefix(stage)} done {seconds:6.2f}s\n")
        else:
            self.stream.write(f"{self._prefix(stage)} done in {seconds:.2f}s\n")
        self.stream.flush()
