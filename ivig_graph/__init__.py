"""ivig-graph: the knowledge graph of what intravenous immunoglobulin (IVIG) therapy is used for.

The pipeline is one module a stage: ``curation`` (data/ -> asserted graph), ``validate``,
``reason``, ``build`` (all of them -> a built dataset), ``store`` (read/write the built dataset),
``export`` and ``query``; ``cli`` and ``web`` are thin shells over them.
"""

from importlib.metadata import PackageNotFoundError, version

try:  # the one version source is pyproject.toml; an installed package carries it
    __version__ = version("ivig-graph")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
