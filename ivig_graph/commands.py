"""What each subcommand does: it takes the parsed arguments, calls the pipeline and prints.

``cli`` parses the arguments and maps the errors raised here to exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ivig_graph.build.pipeline import assemble, build, load_inputs, validate_inputs
from ivig_graph.build.progress import StageDisplay
from ivig_graph.clients.publish import publish_from_args
from ivig_graph.dataset.explain import explain, find_condition
from ivig_graph.dataset.export import export
from ivig_graph.dataset.files import DEFAULT_DIRECTORY, BuiltDataset, load_built
from ivig_graph.dataset.sssom import SSSOM, sssom_tsv
from ivig_graph.query.command import examples, find_example, read_query_file, run_query
from ivig_graph.resources import Sources
from ivig_graph.vocab import CONDITION


def _dataset_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("IVIG_GRAPH_DATASET") or DEFAULT_DIRECTORY)


def _print_counts(built: BuiltDataset) -> None:
    counts = built.manifest["counts"]
    print(f"Built dataset {built.version} in {built.directory}")
    facets = ("per_list", "per_category", "per_status", "per_current_status", "per_intent")
    for facet in (*facets, "per_mechanism"):
        values = ", ".join(f"{key} {value}" for key, value in counts[facet].items())
        print(f"  conditions {facet.replace('_', ' ')}: {values}")
    print(f"  conditions total: {counts['conditions']['total']}")
    labels = counts["labels"]
    print(
        f"  product labels: {labels['products']} products, "
        f"{labels['labelled_indications']} labelled indications, "
        f"{labels['current_status_differs']} conditions currently not as the article has them"
    )
    for system, found in counts["mappings"].items():
        values = ", ".join(f"{relation} {n}" for relation, n in found.items())
        print(f"  {system} mappings: {values}")
    print(f"  inferred triples: {counts['inferred']['triples']}")
    for name, stats in built.manifest["graphs"].items():
        print(f"  graph {name}: {stats['triples']} triples")


def cmd_build(args: argparse.Namespace) -> int:
    display = StageDisplay(sys.stderr, live=sys.stderr.isatty() and not args.quiet)
    built = build(_dataset_dir(args.dataset), progress=display, reasoner=args.reasoner)
    _print_counts(built)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    report = validate_inputs(load_inputs(Sources.default()))
    print(report.text())
    return 0 if report.conforms else 3


def cmd_export(args: argparse.Namespace) -> int:
    built = load_built(_dataset_dir(args.dataset))
    if args.format == SSSOM:  # the mappings only, whatever --graph says
        data = sssom_tsv(built.rdflib_dataset(), built.manifest, built.version).encode("utf-8")
    else:
        data = export(built.rdflib_dataset(), args.format, args.graph)
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
    text = args.text if args.text is not None else read_query_file(Path(args.file))
    return _print_answer(args, text)


def _print_answer(args: argparse.Namespace, text: str) -> int:
    store = load_built(_dataset_dir(args.dataset)).open_store()
    sys.stdout.write(run_query(store, text, args.format, full=args.full))
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    if args.action == "run":
        return _print_answer(args, find_example(args.name).text)
    if args.action == "show":
        sys.stdout.write(find_example(args.name).text)
        return 0
    every = examples()
    width = max(len(item.name.removesuffix(".rq")) for item in every)
    for item in every:
        print(f"{item.name.removesuffix('.rq'):<{width}}  {item.title}")
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
    condition = find_condition(dataset, args.condition)
    slug = condition.removeprefix(str(CONDITION))
    explanation = explain(dataset, condition)
    for derivation in explanation.derivations:
        print(f"{slug}: mechanism {derivation.mechanism.fragment}")
        if derivation.kind_from == "label":
            cited = ", ".join(f"<{iri}>" for iri in derivation.labelled_indications)
            print(f"  because a product label says it is: {derivation.kind_label} ({cited})")
        else:
            print(f"  because it is asserted to be: {derivation.kind_label} <{derivation.kind}>")
        print(f"  rule: {derivation.rule}")
        print(f"  basis: {derivation.basis}")
    if explanation.note:
        heading = "the article states none" if explanation.derivations else "no mechanism stated"
        print(f"{slug}: {heading}")
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
    assemble(load_inputs(Sources.default()))
    print("The data validates and the ontology is consistent.")
    return 0
