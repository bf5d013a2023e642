"""How the resource commands (templates, schedules, approvals, artifacts, definitions, diagnose, webhooks) print.

`--json` prints the API's `data` as indented JSON on stdout. Otherwise a list is a table drawn by `_table`
(fitted to a terminal, plain rows when piped) and one resource a panel of its fields (plain `label: value`
lines when piped). Not an API client (see `_api`), and it knows nothing about any one resource.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hwe.cli import _api, _table, status_command


def print_json(data: Any) -> None:
    """Prints the API's `data` as JSON on stdout, where scripts read it."""
    _api.result(json.dumps(data, indent=2, sort_keys=True))


def print_table(title: str, columns: Sequence[_table.Column], rows: Sequence[Sequence[Any]]) -> None:
    """Prints rows of values (see `cell`) under the columns, with `title` above them on a terminal."""
    cells = [[value if isinstance(value, _table.Cell) else cell(value) for value in row] for row in rows]
    _table.render(Console(), columns, cells, title=title)


def print_fields(title: str, fields: Sequence[tuple[str, Any]]) -> None:
    """Prints one resource as a panel of `label  value` lines; piped, as plain `label: value` lines."""
    console = Console()
    if not console.is_terminal:
        for label, value in fields:
            console.file.write(f"{label}: {text(value)}\n")
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in fields:
        # Text, not str: a value such as `["run.completed"]` must not be read as rich markup.
        grid.add_row(label, Text(text(value)))
    console.print(Panel(grid, title=title, expand=False))


def cell(value: Any) -> _table.Cell:
    """A table cell of a field's value, as `text` shows it."""
    return _table.Cell(text(value) if value is not None and value != "" else "")


def time_cell(value: str | None) -> _table.Cell:
    """A timestamp: ISO 8601 when piped (no spaces, sortable), `when`'s form on a terminal."""
    return _table.Cell(value or "", shown=Text(when(value)))


def text(value: Any) -> str:
    """A field as text: `-` for nothing, `yes`/`no` for a flag, compact JSON for a list or an object."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def when(value: str | None) -> str:
    """An API timestamp as the run commands show it (`YYYY-MM-DD HH:MM:SS` and its zone), or `-`."""
    return status_command.when(value)
