"""What the endpoint's views share: the dataset, the configuration, the worker pool, the result
cache."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.query.guard import GuardLimits
from ivig_graph.serve.answer_cache import AnswerCache
from ivig_graph.serve.bodies import BodyReader, total_bodies
from ivig_graph.serve.pool import QueryPool
from ivig_graph.serve.spool import CHUNK_BYTES, Senders
from ivig_graph.web.config import ServerConfig


@dataclass
class Endpoint:
    dataset: BuiltDataset
    config: ServerConfig
    pool: QueryPool
    examples: dict[str, str]  # file name -> text of the example queries
    bodies: BodyReader = field(init=False)
    senders: Senders = field(init=False)
    answers: AnswerCache | None = field(init=False)  # the result cache; None when off

    def __post_init__(self) -> None:
        config = self.config
        self.bodies = BodyReader(config.client_bodies, total_bodies(config.http_threads))
        # Large answers streaming at once: each holds an app thread until read (serve/spool.py).
        streams = config.streams or max(config.http_threads // 4, 1)
        self.senders = Senders(config.client_streams, streams)
        # A remote engine's data may change under it: no cache then.
        cache_bytes = config.result_cache_mb * 1024 * 1024 if config.backend is None else 0
        self.answers = AnswerCache(cache_bytes, CHUNK_BYTES) if cache_bytes else None

    @property
    def guard_limits(self) -> GuardLimits:
        config = self.config
        return GuardLimits(
            max_length=config.max_query_length,
            max_depth=config.max_depth,
            max_path_steps=config.max_path_steps,
            max_optionals=config.max_optionals,
            max_triple_patterns=config.max_triple_patterns,
            max_expression_terms=config.max_expression_terms,
        )


def endpoint() -> Endpoint:
    state: Endpoint = current_app.extensions["ivig_graph"]
    return state
