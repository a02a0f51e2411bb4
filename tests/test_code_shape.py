"""The package stays in small pieces: every module under 300 lines, every function under 50.

Issue 10, item 7. A module is measured by its lines of text, a function (a method or a nested
function too) from its ``def`` line to its last line, as ``ast`` reports them; decorators are
not counted. The failure names every offender with its size, so the fix is to cut it along a
seam, not to squeeze lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "ivig_graph"
MAX_MODULE_LINES = 300  # a module of this many lines or more fails
MAX_FUNCTION_LINES = 50  # a function of this many lines or more fails


@dataclass(frozen=True)
class Size:
    where: str  # "ivig_graph/x.py" or "ivig_graph/x.py:12 name"
    lines: int


def modules() -> list[Path]:
    found = sorted(PACKAGE.rglob("*.py"))
    assert found, f"no Python modules under {PACKAGE}"
    return found


def module_size(path: Path) -> Size:
    return Size(_relative(path), len(path.read_text(encoding="utf-8").splitlines()))


def function_sizes(path: Path) -> list[Size]:
    where = _relative(path)
    return [
        Size(f"{where}:{line} {name}", lines)
        for line, name, lines in function_spans(path.read_text(encoding="utf-8"))
    ]


def function_spans(source: str) -> list[tuple[int, str, int]]:
    """(line, name, lines) of every function in ``source``, nested ones and methods too."""
    return [
        (node.lineno, node.name, _span(node))
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def _span(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def _relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def _report(sizes: list[Size], limit: int, what: str) -> str:
    listed = "\n".join(f"  {s.where}: {s.lines} lines" for s in sizes)
    return f"{what} of {limit} lines or more (cut them along a seam):\n{listed}"


def test_the_measures_see_the_package() -> None:
    """The walk finds the modules and functions it is meant to measure (so an empty walk
    cannot pass the tests below)."""
    paths = modules()
    assert PACKAGE / "cli.py" in paths
    functions = [size for path in paths for size in function_sizes(path)]
    assert any(size.where.endswith(" main") for size in functions)
    assert all(size.lines >= 1 for size in functions)


def test_every_module_is_under_300_lines() -> None:
    sizes = [module_size(path) for path in modules()]
    too_long = sorted((s for s in sizes if s.lines >= MAX_MODULE_LINES), key=lambda s: -s.lines)
    assert not too_long, _report(too_long, MAX_MODULE_LINES, "Modules")


def test_every_function_is_under_50_lines() -> None:
    sizes = [size for path in modules() for size in function_sizes(path)]
    too_long = sorted((s for s in sizes if s.lines >= MAX_FUNCTION_LINES), key=lambda s: -s.lines)
    assert not too_long, _report(too_long, MAX_FUNCTION_LINES, "Functions")


def test_a_function_is_measured_from_def_to_its_last_line() -> None:
    """The measure itself, on a module written here: methods and nested functions count, a
    decorator does not."""
    source = (
        "def short():\n    a = 1\n    b = 2\n    return a + b\n\n"
        "class C:\n    @property\n    def method(self):\n"
        "        async def inner():\n            return 1\n        return inner\n"
    )
    assert sorted(function_spans(source)) == [(1, "short", 4), (8, "method", 4), (9, "inner", 2)]
