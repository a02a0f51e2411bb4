"""``PoolSettings``: what the query pool (``serve.pool``) is told of the configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivig_graph.web.config import ServerConfig


@dataclass(frozen=True)
class PoolSettings:
    size: int = 2
    timeout: float = 10.0
    queue_limit: int = 32
    queue_wait: float = 1.0
    memory_limit_bytes: int = 0  # 0: no limit
    client_share: int = 0  # slots one client may hold; 0: all but one (at least one)
    client_queue: int = 0  # places in the queue one client may hold; 0: as many as its share
    start_timeout: float = 60.0
    backend: str | None = None  # a remote engine's query endpoint instead of the store

    @classmethod
    def of(cls, config: ServerConfig) -> PoolSettings:
        return cls(
            size=config.workers,
            timeout=config.timeout,
            queue_limit=config.queue_limit,
            queue_wait=config.queue_wait,
            memory_limit_bytes=config.worker_memory_mb * 1024 * 1024,
            client_share=config.client_share,
            client_queue=config.client_queue,
            backend=config.backend,
        )

    @property
    def backend_timeout(self) -> float:
        """How long a worker waits for the remote: past the budget, so the budget acts first."""
        return self.timeout + 1.0

    @property
    def share(self) -> int:
        return self.client_share or max(self.size - 1, 1)

    @property
    def queue_share(self) -> int:
        return self.client_queue or self.share
