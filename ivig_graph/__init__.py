"""ivig-graph: the knowledge graph of what intravenous immunoglobulin (IVIG) therapy is used for.

The folders follow the pipeline: ``build`` (data/ -> records -> asserted graph, validate,
reason, all of them by ``build.pipeline``), ``dataset`` (the built dataset's files and exports),
``query``, ``serve`` and ``clients``; ``cli`` and ``web`` are thin shells over them.
"""

from __future__ import annotations

from functools import cache


@cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:  # the one version source is pyproject.toml; an installed package carries it
        return version("ivig-graph")
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed package's metadata when first asked for:
    importing importlib.metadata and finding the distribution took about 0.04 s of every
    process's start (the command line, each query worker), most of which never need it."""
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
