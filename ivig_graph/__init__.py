"""ivig-graph: the knowledge graph of what intravenous immunoglobulin (IVIG) therapy is used for.

The pipeline is one module a stage: ``curation`` (data/ -> asserted graph), ``validate``,
``reason``, ``build`` (all of them -> a built dataset), ``store`` (read/write the built dataset),
``export`` and ``query``; ``cli`` and ``web`` are thin shells over them.
"""

__version__ = "0.1.0"
