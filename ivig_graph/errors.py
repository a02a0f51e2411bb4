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
    """A SPARQL request that cannot be answered. The subclasses say why; only the web edge
    (``web/errors.py``) knows which HTTP status each one is, and the CLI maps them all to exit
    code 2."""

    exit_code = 2


class Malformed(QueryError):
    """The request or its query cannot be read: a syntax error, a bad protocol request, an
    unknown format name."""


class QuerySyntaxError(Malformed):
    """The query text is not SPARQL; ``line`` and ``column`` (from 1) say where, so that an
    editor can mark the spot (0 when unknown). Pickles whole: it crosses from the workers."""

    def __init__(self, message: str, *, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class TooComplex(Malformed):
    """The query is well formed but nested or built deeper than the endpoint evaluates."""


class ForbiddenFeature(QueryError):
    """The query uses a feature this endpoint never runs (``SERVICE``: no outbound requests)."""


class UpdateRefused(QueryError):
    """SPARQL Update: the endpoint is read-only."""


class TooLarge(QueryError):
    """The request (its body or its query text) is larger than the endpoint accepts."""


class UnsupportedMediaType(QueryError):
    """The request body's content type or charset is not one the protocol allows."""


class NotAcceptable(QueryError):
    """No format the client accepts fits the answer."""


class Unavailable(QueryError):
    """The endpoint cannot take the query now; ``retry_after`` seconds is a fair wait."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Overloaded(Unavailable):
    """Every query slot is busy and the queue is full, or no slot came free in time."""


class WorkerLost(Unavailable):
    """The worker evaluating the query died (out of memory or stack) or was killed."""


class TimedOut(QueryError):
    """The query ran past the time budget and its worker was killed."""


class BackendFailed(QueryError):
    """The remote SPARQL engine behind ``serve --backend`` failed or could not be reached."""


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


class ClientOverShare(Unavailable):
    """This client already holds as many query slots as one client may (``client_share``)."""


class QueryFailed(QueryError):
    """The engine could not evaluate a well-formed query (e.g. an invalid IRI it built)."""


class UnknownFormat(Malformed):
    """A ``format=`` value that names no format at all."""


class PortInUse(IvigGraphError):
    """``serve`` cannot listen: another program already holds the address."""

    exit_code = 9


class FrontFailed(IvigGraphError):
    """``serve --front nginx`` cannot start its front: nginx is missing or refused to start."""

    exit_code = 10
