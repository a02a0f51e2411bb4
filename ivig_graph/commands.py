"""What each subcommand does: it takes the parsed arguments, calls the pipeline and prints.

``cli`` parses the arguments and maps the errors raised here to exit codes. Each command
imports what it runs when it runs: ``serve``, which only reads the manifest and checks the
port before it becomes granian's supervisor, does without the build's libraries (rdflib,
pySHACL, owlrl, rich).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ivig_graph.dataset.files import (
    DATASET_VARIABLE,
    DEFAULT_DIRECTORY,
    MANIFEST_FILE,
    BuiltDataset,
    load_built,
)

if TYPE_CHECKING:
    from ivig_graph.build.progress import StageDisplay

FIRST_USE_REASONER = "rules"


def _dataset_dir(value: str | None) -> Path:
    return Path(value or os.environ.get(DATASET_VARIABLE) or DEFAULT_DIRECTORY)


def _dataset(value: str | None) -> BuiltDataset:
    """The dataset a command reads: ``--dataset``, else $IVIG_GRAPH_DATASET, else build/dataset
    if it was built, else the one cached for these inputs, built now if it is not there yet (as
    after ``pip install``, in any directory)."""
    explicit = value or os.environ.get(DATASET_VARIABLE)
    if explicit or (DEFAULT_DIRECTORY / MANIFEST_FILE).is_file():
        return load_built(_dataset_dir(explicit))
    from ivig_graph.resources import cache_root, input_fingerprint

    directory = cache_root() / input_fingerprint()
    if (directory / MANIFEST_FILE).is_file():
        print(f"Using the dataset built on first use, in {directory}", file=sys.stderr)
        return load_built(directory)
    print(
        f"No dataset given (--dataset) and none in {DEFAULT_DIRECTORY}: building one into "
        f"{directory} (once; later starts reuse it)",
        file=sys.stderr,
    )
    return _build_into_cache(directory)


def _build_into_cache(directory: Path) -> BuiltDataset:
    """Build next to ``directory`` and move it in whole, so that a build interrupted, or two
    started at once, never leave a half-written dataset there."""
    from ivig_graph.build.pipeline import build

    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        with _stage_display(quiet=False) as display:
            # The rule engine: the same bytes as owlrl (tests/test_reason_rules.py, and the
            # packaging test compares this very build), in a fraction of the time a user waits.
            built = build(partial / "dataset", progress=display, reasoner=FIRST_USE_REASONER)
        try:
            built.directory.rename(directory)
        except OSError:  # another process got there first: use its (identical) build
            if not (directory / MANIFEST_FILE).is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return load_built(directory)


def _stage_display(quiet: bool) -> StageDisplay:
    from ivig_graph.build.progress import StageDisplay

    return StageDisplay(sys.stderr, live=sys.stderr.isatty() and not quiet)


def _print_counts(built: BuiltDataset) -> None:
    """The build's summary on stdout: ``what: counts`` lines, or a table on a terminal."""
    from rich.console import Group
    from rich.text import Text

    from ivig_graph.build.stats import summary
    from ivig_graph.terminal import render, table

    heading = f"Built dataset {built.version} in {built.directory}"
    lines = summary(built.manifest)
    if sys.stdout.isatty():
        title = Text(heading, style="bold", no_wrap=True, overflow="ignore")  # a path to copy
        shown = Group(title, table(["", "count"], lines, terminal=True))
        sys.stdout.write(render(shown, terminal=True))
        return
    print(heading)
    for what, count in lines:
        print(f"  {what}: {count}")


def cmd_build(args: argparse.Namespace) -> int:
    from ivig_graph.build.pipeline import build

    with _stage_display(args.quiet) as display:
        built = build(_dataset_dir(args.dataset), progress=display, reasoner=args.reasoner)
    _print_counts(built)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from ivig_graph.build.pipeline import load_inputs, validate_inputs
    from ivig_graph.resources import Sources

    report = validate_inputs(load_inputs(Sources.default()))
    print(report.text())
    return 0 if report.conforms else 3


def cmd_export(args: argparse.Namespace) -> int:
    from ivig_graph.dataset.export import export
    from ivig_graph.dataset.sssom import SSSOM, sssom_tsv

    built = _dataset(args.dataset)
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
    from ivig_graph.query.command import read_query_file

    if (args.text is None) == (args.file is None):
        print("ivig-graph query: give a query string or -f FILE (exactly one).", file=sys.stderr)
        return 2
    text = args.text if args.text is not None else read_query_file(Path(args.file))
    return _print_answer(args, text)


def _print_answer(args: argparse.Namespace, text: str) -> int:
    from ivig_graph.query.command import run_query

    store = _dataset(args.dataset).open_store()
    terminal = sys.stdout.isatty()
    sys.stdout.write(run_query(store, text, args.format, full=args.full, terminal=terminal))
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    from ivig_graph.query.command import examples, find_example
    from ivig_graph.terminal import listing

    if args.action == "run":
        return _print_answer(args, find_example(args.name).text)
    if args.action == "show":
        sys.stdout.write(find_example(args.name).text)
        return 0
    rows = [(item.name.removesuffix(".rq"), item.title) for item in examples()]
    sys.stdout.write(listing(rows, terminal=sys.stdout.isatty()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ivig_graph.serve.http import check_port, run_server
    from ivig_graph.web.config import ConfigError, ServerConfig

    try:
        config = ServerConfig.from_env(
            os.environ,
            host=args.host,
            port=args.port,
            workers=args.workers,
            timeout=args.timeout,
            backend=args.backend,
            front=args.front,
        )
    except ConfigError as error:
        print(f"ivig-graph serve: {error}", file=sys.stderr)
        return 2
    check_port(config.host, config.port)  # before a first-use build, not after it
    run_server(_dataset(args.dataset), config)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from ivig_graph.dataset.explain import explain, find_condition
    from ivig_graph.vocab import CONDITION

    dataset = _dataset(args.dataset).rdflib_dataset()
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
    from ivig_graph.clients.publish import publish_from_args

    built = _dataset(args.dataset)
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
    from ivig_graph.build.pipeline import assemble, load_inputs
    from ivig_graph.resources import Sources

    assemble(load_inputs(Sources.default()))
    print("The data validates and the ontology is consistent.")
    return 0
