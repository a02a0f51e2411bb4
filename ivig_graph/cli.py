"""The command line: parses arguments, calls the pipeline, maps errors to exit codes.

Exit codes: 0 success; 1 unexpected error; 2 bad usage or a bad query; 3 the data breaks a
curation rule, a SHACL shape or a QC check; 4 reasoning found an inconsistency; 5 no built dataset;
6 the triple store is unreachable; 7 the store refused (HTTP error); 8 the store ended up different;
9 the port to serve on is in use.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rdflib import RDF

from ivig_graph import __version__
from ivig_graph.build.pipeline import assemble, build, check, load_inputs
from ivig_graph.build.progress import StageDisplay
from ivig_graph.build.reason import REASONERS
from ivig_graph.clients.gsp import AUTH_SCHEMES, DEFAULT_TIMEOUT
from ivig_graph.clients.publish import AUTH_ENV, publish_from_args
from ivig_graph.dataset.explain import explain
from ivig_graph.dataset.export import FORMATS, GRAPH_CHOICES, export
from ivig_graph.dataset.files import DEFAULT_DIRECTORY, BuiltDataset, load_built
from ivig_graph.errors import IvigGraphError
from ivig_graph.query.command import OUTPUT_FORMATS, format_result, run
from ivig_graph.resources import Sources
from ivig_graph.vocab import ASSERTED_GRAPH, CONDITION, IVIG


def _dataset_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("IVIG_GRAPH_DATASET") or DEFAULT_DIRECTORY)


def _print_counts(built: BuiltDataset) -> None:
    counts = built.manifest["counts"]
    print(f"Built dataset {built.version} in {built.directory}")
    for facet in ("per_list", "per_category", "per_status", "per_intent", "per_mechanism"):
        values = ", ".join(f"{key} {value}" for key, value in counts[facet].items())
        print(f"  conditions {facet.replace('_', ' ')}: {values}")
    print(f"  conditions total: {counts['conditions']['total']}")
    print(f"  inferred triples: {counts['inferred']['triples']}")
    for name, stats in built.manifest["graphs"].items():
        print(f"  graph {name}: {stats['triples']} triples")


def cmd_build(args: argparse.Namespace) -> int:
    display = StageDisplay(sys.stderr, live=sys.stderr.isatty() and not args.quiet)
    built = build(_dataset_dir(args.dataset), progress=display, reasoner=args.reasoner)
    _print_counts(built)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    sources = Sources.default()
    report = check(load_inputs(sources), sources)
    print(report.text())
    return 0 if report.conforms else 3


def cmd_export(args: argparse.Namespace) -> int:
    dataset = load_built(_dataset_dir(args.dataset)).rdflib_dataset()
    data = export(dataset, args.format, args.graph)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
        print(
            f"Wrote {len(data)} bytes of {args.format} ({args.graph}) to {args.output}",
            file=sys.stderr,
        )
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    if (args.text is None) == (args.file is None):
        print("ivig-graph query: give a query string or -f FILE (exactly one).", file=sys.stderr)
        return 2
    text = args.text if args.text is not None else Path(args.file).read_text(encoding="utf-8")
    dataset = load_built(_dataset_dir(args.dataset)).rdflib_dataset()
    sys.stdout.write(format_result(run(dataset, text), args.format))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ivig_graph.serve.http import run_server
    from ivig_graph.web.config import ConfigError, ServerConfig

    built = load_built(_dataset_dir(args.dataset))
    try:
        config = ServerConfig.from_env(
            os.environ,
            host=args.host,
            port=args.port,
            workers=args.workers,
            timeout=args.timeout,
            backend=args.backend,
        )
    except ConfigError as error:
        print(f"ivig-graph serve: {error}", file=sys.stderr)
        return 2
    run_server(built, config)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    dataset = load_built(_dataset_dir(args.dataset)).rdflib_dataset()
    condition = CONDITION[args.slug]
    if (condition, RDF.type, IVIG.Condition) not in dataset.graph(ASSERTED_GRAPH):
        print(f"ivig-graph explain: no condition with slug {args.slug!r}", file=sys.stderr)
        return 2
    explanation = explain(dataset, condition)
    for derivation in explanation.derivations:
        print(f"{args.slug}: mechanism {derivation.mechanism.fragment}")
        print(f"  because it is asserted to be: {derivation.kind_label} <{derivation.kind}>")
        print(f"  rule: {derivation.rule}")
        print(f"  basis: {derivation.basis}")
    if explanation.note:
        print(f"{args.slug}: no mechanism stated")
        print(f"  note: {explanation.note}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    built = load_built(_dataset_dir(args.dataset))
    report = publish_from_args(
        built,
        args.to,
        args.auth,
        args.auth_scheme,
        timeout=args.timeout,
        verify=not args.no_verify,
    )
    print(report.text(), end="")
    return 0


def cmd_reason_check(args: argparse.Namespace) -> int:
    assemble(Sources.default())
    print("The data validates and the ontology is consistent.")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="ivig-graph", description="The knowledge graph of what IVIG therapy is used for."
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(dest="command", required=True)
    dataset_help = "built dataset directory (default: $IVIG_GRAPH_DATASET or build/dataset)"

    p = commands.add_parser("build", help="load, validate, reason and write the dataset")
    p.add_argument("--dataset", help=dataset_help)
    p.add_argument("--quiet", action="store_true", help="no live progress line")
    p.add_argument(
        "--reasoner",
        choices=REASONERS,
        default="owlrl",
        help="owlrl (reference, default) or rules (same result, faster; for large graphs)",
    )
    p.set_defaults(func=cmd_build)

    p = commands.add_parser("validate", help="check data/ against the shapes and QC checks")
    p.set_defaults(func=cmd_validate)

    p = commands.add_parser("check", help="validate and reason without writing anything")
    p.set_defaults(func=cmd_reason_check)

    p = commands.add_parser("explain", help="say why a condition has its mechanism (or none)")
    p.add_argument("slug", help="the condition's slug, e.g. myasthenia-gravis")
    p.add_argument("--dataset", help=dataset_help)
    p.set_defaults(func=cmd_explain)

    p = commands.add_parser("export", help="write the dataset in an RDF format")
    p.add_argument("--format", choices=list(FORMATS), default="turtle")
    p.add_argument("--graph", choices=list(GRAPH_CHOICES), default="all")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    p.add_argument("--dataset", help=dataset_help)
    p.set_defaults(func=cmd_export)

    p = commands.add_parser("query", help="run a SPARQL query against the built dataset")
    p.add_argument("text", nargs="?", help="the SPARQL query")
    p.add_argument("-f", "--file", help="read the query from this file")
    p.add_argument("--format", choices=OUTPUT_FORMATS, default="table")
    p.add_argument("--dataset", help=dataset_help)
    p.set_defaults(func=cmd_query)

    p = commands.add_parser("publish", help="load the dataset into a triple store and verify it")
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
    p.add_argument("--dataset", help=dataset_help)
    p.set_defaults(func=cmd_publish)

    p = commands.add_parser("serve", help="serve the SPARQL endpoint and pages (granian)")
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
    p.add_argument("--dataset", help=dataset_help)
    p.set_defaults(func=cmd_serve)
    return root


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
