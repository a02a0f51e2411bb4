"""How the build shows its stages: rich's live progress on a terminal, plain lines otherwise.

Off a terminal (``live`` False: a pipe, a CI log, ``--quiet``) each stage writes two lines,
``[1/4] load      ...`` and ``[1/4] load      done in 1.23s``, that a log keeps and a script
can read. On a terminal, rich draws one line per stage with a spinner and the time elapsed.
"""

from __future__ import annotations

from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.text import Text

from ivig_graph.build.pipeline import STAGES


class _Seconds(ProgressColumn):
    """The stage's time: elapsed while it runs, then the time the build measured."""

    def render(self, task: Task) -> Text:
        seconds = task.fields.get("seconds") if task.finished else task.elapsed
        return Text(f"{seconds or 0.0:6.2f}s")


class StageDisplay:
    """A ``build.Progress`` callback that writes to ``stream``; use it as a context manager
    so that a build that fails mid-stage still ends the live display."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.live = live
        self.timings: dict[str, float] = {}
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> StageDisplay:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _prefix(self, stage: str) -> str:
        number = STAGES.index(stage) + 1 if stage in STAGES else 0
        return f"[{number}/{len(STAGES)}] {stage:<9}"

    def _live(self) -> Progress:
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}", markup=False),
                SpinnerColumn(finished_text="done"),
                _Seconds(),
                console=Console(file=self.stream, force_terminal=True),
            )
            self._progress.start()
        return self._progress

    def __call__(self, stage: str, event: str, seconds: float) -> None:
        if event == "start":
            if self.live:
                self._tasks[stage] = self._live().add_task(self._prefix(stage), total=1)
            else:
                self.stream.write(f"{self._prefix(stage)} ...\n")
                self.stream.flush()
            return
        self.timings[stage] = seconds
        if self.live and stage in self._tasks:
            self._live().update(self._tasks[stage], completed=1, seconds=seconds)
            if stage == STAGES[-1]:
                self.close()
        else:
            self.stream.write(f"{self._prefix(stage)} done in {seconds:.2f}s\n")
            self.stream.flush()
