"""The command line: parses arguments, runs the subcommand (``commands``), maps errors to exit
codes.

Exit codes: 0 success; 1 unexpected error; 2 bad usage or a bad query; 3 the data breaks a
curation rule, a SHACL shape or a QC check; 4 reasoning found an inconsistency; 5 no built dataset;
6 the triple store is unreachable; 7 the store refused (HTTP error); 8 the store ended up different;
9 the port to serve on is in use; 10 the front (nginx) is missing or failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeAlias

from ivig_graph import commands
from ivig_graph.errors import IvigGraphError

DATASET_HELP = "built dataset directory (default: $IVIG_GRAPH_DATASET or build/dataset)"
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
AddOptions: TypeAlias = Callable[[argparse.ArgumentParser], None]


def parser(chosen: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The command line; with ``chosen``, only those subcommands get their options (the others
    are listed, for ``--help``). Defining a subcommand's options imports the modules that know
    their choices (formats, reasoners), and with them rdflib, pySHACL, owlrl and rich, which
    ``serve`` does not need: about 0.25 s of its start."""
    root = argparse.ArgumentParser(
        prog="ivig-graph", description="The knowledge graph of what IVIG therapy is used for."
    )
    root.add_argument("--version", action=_Version)
    subcommands = root.add_subparsers(dest="command", required=True)
    for name, (summary, add_options) in COMMANDS.items():
        p = subcommands.add_parser(name, help=summary)
        if chosen is None or name in chosen:
            add_options(p)
    return root


class _Version(argparse.Action):
    """``--version``: the installed version, read (importlib.metadata) only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings, argparse.SUPPRESS, nargs=0, help="show the version and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from ivig_graph import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def _build_options(p: argparse.ArgumentParser) -> None:
    from ivig_graph.build.reason import REASONERS

    p.add_argument("--dataset", help=DATASET_HELP)
    p.add_argument("--quiet", action="store_true", help="no live progress line")
    p.add_argument(
        "--reasoner",
        choices=REASONERS,
        default="owlrl",
        help="owlrl (reference, default) or rules (same result, faster; for large graphs)",
    )
    p.set_defaults(func=commands.cmd_build)


def _validate_options(p: argparse.ArgumentParser) -> None:
    p.set_defaults(func=commands.cmd_validate)


def _check_options(p: argparse.ArgumentParser) -> None:
    p.set_defaults(func=commands.cmd_reason_check)


def _explain_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "condition",
        help="the condition's slug (myasthenia-gravis), IRI or name (Myasthenia gravis, GBS)",
    )
    p.add_argument("--dataset", help=DATASET_HELP)
    p.set_defaults(func=commands.cmd_explain)


def _export_options(p: argparse.ArgumentParser) -> None:
    from ivig_graph.dataset.export import FORMATS, GRAPH_CHOICES
    from ivig_graph.dataset.sssom import SSSOM

    p.add_argument("--format", choices=[*FORMATS, SSSOM], default="turtle")
    p.add_argument("--graph", choices=list(GRAPH_CHOICES), default="all")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    p.add_argument("--dataset", help=DATASET_HELP)
    p.set_defaults(func=commands.cmd_export)


def _query_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", help="the SPARQL query")
    p.add_argument("-f", "--file", help="read the query from this file")
    _add_output_options(p)
    p.set_defaults(func=commands.cmd_query)


def _queries_options(p: argparse.ArgumentParser) -> None:
    p.set_defaults(func=commands.cmd_queries, action="list")
    actions = p.add_subparsers(dest="action", metavar="{list,show,run}")
    actions.add_parser("list", help="the example queries and their titles (the default)")
    show = actions.add_parser("show", help="print an example query's text")
    show.add_argument("name", help="its number (05), file name or stem")
    run = actions.add_parser("run", help="run an example query, as `query` does")
    run.add_argument("name", help="its number (05), file name or stem")
    _add_output_options(run)


def _publish_options(p: argparse.ArgumentParser) -> None:
    from ivig_graph.clients.gsp import AUTH_SCHEMES, DEFAULT_TIMEOUT
    from ivig_graph.clients.publish import AUTH_ENV

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


def _serve_options(p: argparse.ArgumentParser) -> None:
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
    from ivig_graph.web.config import FRONTS  # read by cmd_serve anyway

    p.add_argument(
        "--front",
        choices=FRONTS,
        help="nginx: start nginx in front (deadlines for request bodies, open requests per "
        "client; `make run` does) (default: $IVIG_FRONT or none)",
    )
    p.add_argument("--dataset", help=DATASET_HELP)
    p.set_defaults(func=commands.cmd_serve)


def _add_output_options(p: argparse.ArgumentParser) -> None:
    from ivig_graph.query.command import fitting_formats, output_formats

    p.add_argument(
        "--format",
        choices=list(output_formats()),
        help=f"for SELECT and ASK: {fitting_formats(False)} (default: table); for CONSTRUCT "
        f"and DESCRIBE: {fitting_formats(True)} (default: turtle)",
    )
    p.add_argument("--full", action="store_true", help="table: print long cells whole")
    p.add_argument("--dataset", help=DATASET_HELP)


# Each subcommand: its one-line help and what defines its options. The pipeline over data/ and
# ontology/ (build, validate, check), reading the built dataset (explain, export), SPARQL
# against it through the endpoint's guard (query, queries), loading it into a triple store
# (publish), and the SPARQL endpoint and pages (serve).
COMMANDS: dict[str, tuple[str, AddOptions]] = {
    "build": ("load, validate, reason and write the dataset", _build_options),
    "validate": ("check data/ against the shapes and QC checks", _validate_options),
    "check": ("validate and reason without writing anything", _check_options),
    "explain": ("say why a condition has its mechanism (or none)", _explain_options),
    "export": ("write the dataset in an RDF format", _export_options),
    "query": ("run a SPARQL query against the built dataset", _query_options),
    "queries": ("list the example queries, show or run one by name", _queries_options),
    "publish": ("load the dataset into a triple store and verify it", _publish_options),
    "serve": ("serve the SPARQL endpoint and pages (granian)", _serve_options),
}


def _command_word(argv: Sequence[str]) -> set[str]:
    """The subcommand ``argv`` names: its first word that is not an option (the top level's
    only options, ``--help`` and ``--version``, take no value)."""
    return {next((word for word in argv if not word.startswith("-")), "")}


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = parser(_command_word(words)).parse_args(words)
    try:
        return int(args.func(args))
    except IvigGraphError as error:
        print(f"ivig-graph {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
