"""Tables for the command line, drawn by rich: styled on a terminal, plain text otherwise.

Off a terminal (a pipe, a file, a CI log) a table is plain text that scripts can split: columns
separated by `` | ``, a ``-+-`` rule under the header, no colour, no wrapping. On a terminal it is
a rich table fitted to the window, long cells folded. Every cell is a ``Text``, never markup, so
brackets in the data (``[x]``) print as they are.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

# Box characters, four per line (left, fill, divider, right) for: top, head, head row, mid,
# row, foot row, foot, bottom. Only the dividers and the head-row rule are drawn.
PLAIN = box.Box(
    "    \n"  # top (not drawn: no edge)
    "  | \n"  # header cells
    " -+ \n"  # the rule under the header
    "  | \n"  # body cells
    "    \n"  # between rows (not drawn)
    "    \n"  # above a footer (none)
    "  | \n"  # footer cells (none)
    "    \n",  # bottom (not drawn)
    ascii=True,
)
UNLIMITED = 1_000_000  # columns: off a terminal, never wrap


def render(renderable: RenderableType, *, terminal: bool) -> str:
    """``renderable`` as text: with styles fitted to the terminal's width, or plain."""
    out = io.StringIO()
    if terminal:
        width = shutil.get_terminal_size().columns
        console = Console(file=out, force_terminal=True, width=width)
    else:
        console = Console(
            file=out, force_terminal=False, no_color=True, width=UNLIMITED, soft_wrap=True
        )
    console.print(renderable, highlight=False, crop=False)  # a line made to overflow stays whole
    return out.getvalue()


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, terminal: bool) -> Table:
    """A table of text cells under ``header``."""
    if terminal:
        grid = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold", pad_edge=False)
    else:
        grid = Table(box=PLAIN, show_edge=False, pad_edge=False, header_style=None)
    for index, name in enumerate(header):
        if terminal:  # a column of names (ivig:ImmuneSuppression) is kept whole, texts wrap
            names_only = all(len(row[index].split()) <= 1 for row in rows)
            grid.add_column(Text(name), overflow="fold", no_wrap=names_only)
        else:
            grid.add_column(Text(name), no_wrap=True, overflow="ignore")
    for row in rows:
        grid.add_row(*(Text(cell) for cell in row))
    return grid


def listing(rows: Sequence[tuple[str, str]], *, terminal: bool) -> str:
    """Names and what they are, two columns two spaces apart (the name bold on a terminal)."""
    grid = Table.grid(padding=(0, 2), pad_edge=False)
    grid.add_column(style="bold" if terminal else None, no_wrap=True)
    grid.add_column(overflow="fold" if terminal else "ignore", no_wrap=not terminal)
    for name, text in rows:
        grid.add_row(Text(name), Text(text))
    lines = render(grid, terminal=terminal).splitlines()
    return "".join(f"{line.rstrip()}\n" for line in lines)  # no padding after the last column
