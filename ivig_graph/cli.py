"""The command line: parses arguments, runs the subcommand (``commands``), maps errors to exit
codes.

Exit codes: 0 success; 1 unexpected error; 2 bad usage or a bad query; 3 the data breaks a
curation rule, a SHACL shape or a QC check; 4 reasoning found an inconsistency; 5 no built dataset;
6 the triple store is unreachable; 7 the store refused (HTTP error); 8 the store ended up different;
9 the port to serve on is in use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TypeAlias

from ivig_graph import __version__, commands
from ivig_graph.build.reason import REASONERS
from ivig_graph.clients.gsp import AUTH_SCHEMES, DEFAULT_TIMEOUT
from ivig_graph.clients.publish import AUTH_ENV
from ivig_graph.dataset.export import FORMATS, GRAPH_CHOICES
from ivig_graph.dataset.sssom import SSSOM
from ivig_graph.errors import IvigGraphError
from ivig_graph.query.command import (
    fitting_formats,
    output_formats,
)

DATASET_HELP = "built dataset directory (default: $IVIG_GRAPH_DATASET or build/dataset)"
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="ivig-graph", description="The knowledge graph of what IVIG therapy is used for."
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = root.add_subparsers(dest="command", required=True)
    _add_build_commands(subcommands)
    _add_dataset_commands(subcommands)
    _add_query_commands(subcommands)
    _add_publish_command(subcommands)
    _add_serve_command(subcommands)
    return root


def _add_build_commands(subcommands: Subcommands) -> None:
    """build, validate, check: the pipeline over data/ and ontology/."""
    p = subcommands.add_parser("build", help="load, validate, reason and write the dataset")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.add_argument("--quiet", action="store_true", help="no live progress line")
    p.add_argument(
        "--reasoner",
        choices=REASONERS,
        default="owlrl",
        help="owlrl (reference, default) or rules (same result, faster; for large graphs)",
    )
    p.set_defaults(func=commands.cmd_build)

    p = subcommands.add_parser("validate", help="check data/ against the shapes and QC checks")
    p.set_defaults(func=commands.cmd_validate)

    p = subcommands.add_parser("check", help="validate and reason without writing anything")
    p.set_defaults(func=commands.cmd_reason_check)


def _add_dataset_commands(subcommands: Subcommands) -> None:
    """explain, export: read the built dataset."""
    p = subcommands.add_parser("explain", help="say why a condition has its mechanism (or none)")
    p.add_argument(
        "condition",
        help="the condition's slug (myasthenia-gravis), IRI or name (Myasthenia gravis, GBS)",
    )
    p.add_argument("--dataset", help=DATASET_HELP)
    p.set_defaults(func=commands.cmd_explain)

    p = subcommands.add_parser("export", help="write the dataset in an RDF format")
    p.add_argument("--format", choices=[*FORMATS, SSSOM], default="turtle")
    p.add_argument("--graph", choices=list(GRAPH_CHOICES), default="all")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.set_defaults(func=commands.cmd_export)


def _add_query_commands(subcommands: Subcommands) -> None:
    """query, queries: SPARQL against the built dataset, through the endpoint's guard."""
    p = subcommands.add_parser("query", help="run a SPARQL query against the built dataset")
    p.add_argument("text", nargs="?", help="the SPARQL query")
    p.add_argument("-f", "--file", help="read the query from this file")
    _add_output_options(p)
    p.set_defaults(func=commands.cmd_query)

    p = subcommands.add_parser("queries", help="list the example queries, show or run one by name")
    p.set_defaults(func=commands.cmd_queries, action="list")
    actions = p.add_subparsers(dest="action", metavar="{list,show,run}")
    actions.add_parser("list", help="the example queries and their titles (the default)")
    show = actions.add_parser("show", help="print an example query's text")
    show.add_argument("name", help="its number (05), file name or stem")
    run = actions.add_parser("run", help="run an example query, as `query` does")
    run.add_argument("name", help="its number (05), file name or stem")
    _add_output_options(run)


def _add_publish_command(subcommands: Subcommands) -> None:
    """publish: load the built dataset into a triple store."""
    p = subcommands.add_parser("publish", help="load the dataset into a triple store and verify it")
    p.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the store's Graph Store endpoint, e.g. http://127.0.0.1:7878/store",
    )
    p.add_argument("--auth", metavar="USER:PASSWORD", help=f"credentials (default: ${AUTH_ENV})")
    p.add_argument("--auth-scheme", choices=AUTH_SCHEMES, default="basic")
    p.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per HTTP request"
    )
    p.add_argument("--no-verify", action="store_true", help="do not read the graphs back")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.set_defaults(func=commands.cmd_publish)


def _add_serve_command(subcommands: Subcommands) -> None:
    """serve: the SPARQL endpoint and the pages."""
    p = subcommands.add_parser("serve", help="serve the SPARQL endpoint and pages (granian)")
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, help="query worker processes (default: CPU count)")
    p.add_argument("--timeout", type=float, help="query time budget in seconds (default 10)")
    p.add_argument(
        "--backend",
        metavar="URL",
        help="answer queries from this remote SPARQL 1.1 query endpoint holding the published "
        "dataset, instead of the embedded store (default: $IVIG_BACKEND)",
    )
    p.add_argument("--dataset", help=DATASET_HELP)
    p.set_defaults(func=commands.cmd_serve)


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=list(output_formats()),
        help=f"for SELECT and ASK: {fitting_formats(False)} (default: table); for CONSTRUCT "
        f"and DESCRIBE: {fitting_formats(True)} (default: turtle)",
    )
    p.add_argument("--full", action="store_true", help="table: print long cells whole")
    p.add_argument("--dataset", help=DATASET_HELP)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except IvigGraphError as error:
        print(f"ivig-graph {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
