"""What the endpoint's views share: the dataset, the configuration, the worker pool."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from ..query_pool import QueryPool
from ..sparql_guard import GuardLimits
from ..store import BuiltDataset
from .config import ServerConfig
from .ratelimit import RateLimiter
from .result_cache import AnswerCache


@dataclass
class Endpoint:
    dataset: BuiltDataset
    config: ServerConfig
    pool: QueryPool
    limiter: RateLimiter | None
    examples: dict[str, str]  # file name -> text of the example queries
    results: AnswerCache = field(default_factory=lambda: AnswerCache(0))
    description_cache: dict[tuple[str, str], bytes] = field(default_factory=dict)

    @property
    def guard_limits(self) -> GuardLimits:
        return GuardLimits(max_length=self.config.max_query_length, max_depth=self.config.max_depth)


def endpoint() -> Endpoint:
    state: Endpoint = current_app.extensions["ivig_graph"]
    return state
