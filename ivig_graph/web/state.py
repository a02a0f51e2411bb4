"""What the endpoint's views share: the dataset, the configuration, the worker pool."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.query.guard import GuardLimits
from ivig_graph.serve.pool import QueryPool
from ivig_graph.web.config import ServerConfig


@dataclass
class Endpoint:
    dataset: BuiltDataset
    config: ServerConfig
    pool: QueryPool
    examples: dict[str, str]  # file name -> text of the example queries

    @property
    def guard_limits(self) -> GuardLimits:
        return GuardLimits(max_length=self.config.max_query_length, max_depth=self.config.max_depth)


def endpoint() -> Endpoint:
    state: Endpoint = current_app.extensions["ivig_graph"]
    return state
