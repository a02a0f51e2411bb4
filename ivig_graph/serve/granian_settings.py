"""``GranianSettings``: what granian's supervisor (``serve.supervisor``) is told, as arguments.

Apart from the supervisor so that ``serve`` can write them without importing granian (about
0.04 s of its start).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivig_graph.web.config import ServerConfig


@dataclass(frozen=True)
class GranianSettings:
    """What granian itself needs of the configuration."""

    host: str
    port: int
    processes: int
    threads: int
    backpressure: int  # connections, not requests: see serve/http.py
    front: str = ""  # the front's directory (serve/front.py): granian listens on a socket there

    @classmethod
    def of(cls, config: ServerConfig, front: Path | None = None) -> GranianSettings:
        return cls(
            config.host,
            config.port,
            config.http_processes,
            config.http_threads,
            config.max_connections,
            str(front or ""),
        )

    def arguments(self) -> list[str]:
        values = zip(fields(self), astuple(self), strict=True)
        return [part for f, value in values for part in (f"--{f.name}", str(value))]

    @classmethod
    def parse(cls, argv: Sequence[str]) -> GranianSettings:
        parser = argparse.ArgumentParser(prog="python -m ivig_graph.serve.supervisor")
        for f in fields(cls):
            kind = str if f.type == "str" else int
            parser.add_argument(f"--{f.name}", type=kind, required=f.name != "front", default="")
        return cls(**vars(parser.parse_args(argv)))
