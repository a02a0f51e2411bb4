"""The project's errors. Each message says what went wrong and what to do next.

Non-conformance of the data is a report (see ``validate``); these are for input that cannot be
used at all. ``cli`` maps each class to a documented exit code.
"""


class IvigGraphError(Exception):
    """Base class: an error the user can act on."""

    exit_code = 1


class CurationError(IvigGraphError):
    """A record in data/ breaks a rule; the message names the record and the rule."""

    exit_code = 3


class ValidationFailed(IvigGraphError):
    """SHACL shapes or QC checks found violations; the message lists them."""

    exit_code = 3


class InconsistentOntology(IvigGraphError):
    """OWL RL reasoning reported an inconsistency."""

    exit_code = 4


class DatasetNotBuilt(IvigGraphError):
    """No built dataset where one was expected."""

    exit_code = 5


class QueryError(IvigGraphError):
    """A SPARQL query that cannot be parsed or is not allowed."""

    exit_code = 2


class PublishFailed(IvigGraphError):
    """Publishing to a triple store did not complete (see the subclasses for why)."""

    exit_code = 6


class StoreUnreachable(PublishFailed):
    """No answer from the store: connection refused, unknown host, or a timeout."""

    exit_code = 6

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class StoreRefused(PublishFailed):
    """The store answered with an HTTP error status (401, 403, 405, 415, 5xx, ...)."""

    exit_code = 7

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class StoreDiffers(PublishFailed):
    """After publishing, the store does not hold exactly the dataset's triples."""

    exit_code = 8

    def __init__(self, message: str, *, differences: dict[str, tuple[int, int]]) -> None:
        super().__init__(message)
        self.differences = differences  # graph IRI -> (triples missing, triples extra)
