"""ivig-graph: the knowledge graph of what intravenous immunoglobulin (IVIG) therapy is used for.

The folders follow the pipeline: ``build`` (data/ -> records -> asserted graph, validate,
reason, all of them by ``build.pipeline``), ``dataset`` (the built dataset's files and exports),
``query``, ``serve`` and ``clients``; ``cli`` and ``web`` are thin shells over them.
"""

from importlib.metadata import PackageNotFoundError, version

try:  # the one version source is pyproject.toml; an installed package carries it
    __version__ = version("ivig-graph")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
