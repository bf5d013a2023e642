"""Tables that fit the terminal, and plain rows when the output is not a terminal.

On a terminal a table is never wider than the console: when it does not fit in full, ids are cut to 8 characters
(like git), the columns that may be cut end in "…", and columns are dropped by priority; with `wide`, every column
is shown in full. When the output is piped: a header and one row per line, full values, no colour and no cell
with a space, so scripts can rely on it. Used by `hwe list` and `hwe monitor`; it knows nothing about runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from hwe.cli import _api

# A table with the default box: one border per column plus one, and one space of padding on each side.
_BORDER_PER_COLUMN = 3
_SHRUNK_WIDTH = 10


@dataclass(frozen=True)
class Column:
    """One column: `priority` 0 is never dropped, higher numbers are dropped first."""

    header: str
    priority: int = 0
    shrink: bool = False  # may be cut with "…" on a narrow terminal
    identifier: bool = False  # a run id: shortened before anything else is cut
    wide: bool = False  # shown only with `-o wide`
    right: bool = False  # right-aligned on a terminal (numbers)


@dataclass(frozen=True)
class Cell:
    """A value: `plain` for pipes (and terminals unless `shown` is set), `shown` a terminal's rendering of it."""

    plain: str
    style: str = ""
    shown: Text | None = None

    def text(self, short: bool) -> Text:
        if self.shown is not None:
            return self.shown
        return Text(_api.short_id(self.plain) if short else self.plain, style=self.style)


def render(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    wide: bool = False,
    title: str | None = None,
) -> None:
    """Prints the rows: fitted to a terminal, or plain when the console is not one."""
    if not console.is_terminal:
        for line in plain_lines(columns, rows, wide=wide):
            console.file.write(line + "\n")
        console.file.flush()
        return
    table = fitted(columns, rows, console.width, wide=wide, title=title)
    terminal_width = console.width
    # A wide table is printed in full and left to the terminal to wrap; a fitted one is never wider.
    console.width = max(terminal_width, _needed(table))
    try:
        console.print(table)
    finally:
        console.width = terminal_width


def plain_lines(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, wide: bool = False, header: bool = True
) -> list[str]:
    """The header and one line per row, columns separated by two spaces; empty cells are `-`."""
    shown = [i for i, column in enumerate(columns) if wide or not column.wide]
    table = [[columns[i].header.upper().replace(" ", "_") for i in shown]] if header else []
    table += [[(row[i].plain or "-").replace(" ", "_") for i in shown] for row in rows]
    widths = [max(len(line[n]) for line in table) for n in range(len(shown))] if table else []
    return ["  ".join(value.ljust(widths[n]) for n, value in enumerate(line)).rstrip() for line in table]


def fitted(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int, *, wide: bool, title: str | None
) -> Table:
    """A rich table of the rows no wider than `width` (unless `wide`, which shows every column in full)."""
    shown = [i for i, column in enumerate(columns) if wide or not column.wide]
    natural = {i: _natural(columns, rows, i, False) for i in shown}
    if wide or _overhead(len(shown)) + sum(natural.values()) <= width:
        return _build(columns, rows, shown, natural, False, title)
    keep = list(shown)
    while True:
        floor = {i: _floor(columns, rows, i) for i in keep}
        spare = width - _overhead(len(keep)) - sum(floor.values())
        droppable = [i for i in keep if columns[i].priority > 0]
        if spare >= 0 or not droppable:
            # Too narrow even for the essentials: rich squeezes what is left.
            return _build(columns, rows, keep, _grow(columns, rows, floor, max(spare, 0)), True, title)
        keep.remove(max(droppable, key=lambda i: (columns[i].priority, i)))


def _build(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    keep: list[int],
    widths: dict[int, int],
    short: bool,
    title: str | None,
) -> Table:
    table = Table(title=title)
    for i in keep:
        column = columns[i]
        justify: JustifyMethod = "right" if column.right else "left"
        table.add_column(column.header, width=widths[i], no_wrap=True, overflow="ellipsis", justify=justify)
    for row in rows:
        table.add_row(*(row[i].text(short and columns[i].identifier) for i in keep))
    return table


def _natural(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], i: int, short: bool) -> int:
    cut = short and columns[i].identifier
    return max([cell_len(columns[i].header), *(cell_len(row[i].text(cut).plain) for row in rows)])


def _floor(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], i: int) -> int:
    natural = _natural(columns, rows, i, True)
    if not columns[i].shrink:
        return natural
    return min(natural, max(cell_len(columns[i].header), _SHRUNK_WIDTH))


def _grow(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], floor: dict[int, int], spare: int
) -> dict[int, int]:
    widths = dict(floor)
    for i in widths:
        if columns[i].shrink and spare > 0:
            extra = min(spare, _natural(columns, rows, i, True) - widths[i])
            widths[i] += extra
            spare -= extra
    return widths


def _overhead(count: int) -> int:
    return _BORDER_PER_COLUMN * count + 1


def _needed(table: Table) -> int:
    return sum(column.width or 0 for column in table.columns) + _overhead(len(table.columns))
