"""Stored workflow definitions, and the task graph of a definition.

A tenant stores highway_dsl definitions through the API; each is validated with the interpreter
before it is kept, named by its own `name` field and versioned by content: the same content again
finds the stored version, new content under a name becomes its next integer version. Runs never
read this table while they execute: a run submitted by name copies the definition into its
workflow_run row. `task_graph` and `graph_dot` describe any definition's tasks as nodes and edges
(for the API's run graph); they do not validate it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from hwe import db, errors, interpreter, tenants

MAX_LISTED = 1000
# Graphviz fill colour of each step state in `graph_dot`.
STATE_COLORS = {
    "completed": "#9be3a8",
    "failed": "#f4a3a3",
    "running": "#9cc9f5",
    "skipped": "#d9d9d9",
    "pending": "#ffffff",
}


@dataclass(frozen=True)
class StoredDefinition:
    """One stored version of a definition; `created` is False when the same content was stored before."""

    name: str
    version: int
    content_hash: str
    definition: dict[str, Any]
    created_at: Any
    created: bool = False
    deprecated_at: Any = None


def content_hash(definition: Any) -> str:
    """The SHA-256 (hex) of a definition's canonical JSON: keys sorted, no spaces, UTF-8."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_definition(conn: db.Connection, tenant_id: str, definition: Any) -> StoredDefinition:
    """Validates and stores a definition; the same content again returns its stored version.

    Raises:
        InvalidWorkflow: the definition cannot run; the message names the task and the field.
    """
    plan = interpreter.check_new_definition(definition)
    digest = content_hash(definition)
    with conn.transaction():
        lock_definition_name(conn, tenant_id, plan.name)
        # A run's submission stores its definition in one statement without the name's lock, so an insert
        # here can meet a version number or this very content committed meanwhile: each statement reads
        # anew, so finding the content ends it and a lost version number is tried again with the next one.
        while True:
            found = find_definition_by_hash(conn, tenant_id, digest)
            if found is not None:
                return found
            rows = _insert_definition(conn, tenant_id, plan.name, digest, definition)
            if rows:
                return _stored(rows[0], created=True)


def store_definition_once(
    conn: db.Connection, tenant_id: str, definition: Any, idempotency: tenants.Idempotency | None
) -> dict[str, Any]:
    """`store_definition` under an idempotency key: its view (`created` too); a replay answers the same."""
    return once(
        conn,
        tenant_id,
        idempotency,
        lambda: _created_view(store_definition(conn, tenant_id, definition), tenant_id),
    )


def once(
    conn: db.Connection,
    tenant_id: str,
    idempotency: tenants.Idempotency | None,
    compute: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Runs `compute` once per idempotency key, in one transaction with the key; a replay answers the stored result."""
    with conn.transaction():
        stored = tenants.claim_idempotency_key(conn, tenant_id, idempotency)
        if stored is not None:
            return stored
        response = compute()
        tenants.record_idempotent_response(conn, tenant_id, idempotency, response)
    return response


def view(stored: StoredDefinition, tenant_id: str | None = None) -> dict[str, Any]:
    """A stored version as the API shows it; with `tenant_id`, the whole record with its JSON."""
    summary = {
        "definition_id": stored.content_hash,
        "workflow_name": stored.name,
        "version": stored.version,
        "definition_hash": stored.content_hash,
        "created_at": _iso(stored.created_at),
        "deprecated": stored.deprecated_at is not None,
        "deprecated_at": _iso(stored.deprecated_at),
    }
    if tenant_id is None:
        return summary
    return {**summary, "tenant_id": tenant_id, "definition_json": stored.definition}


def row_view(row: db.Row) -> dict[str, Any]:
    """A listed version (a row without its JSON) as the API shows it."""
    return view(_stored({**row, "definition": None}))


def _created_view(stored: StoredDefinition, tenant_id: str) -> dict[str, Any]:
    return {**view(stored, tenant_id), "created": stored.created}


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def lock_definition_name(conn: db.Connection, tenant_id: str, name: str) -> None:
    """Serializes stores of one definition name in one tenant until the transaction ends."""
    db.execute(conn, "lock_definition_name", {"tenant_id": tenant_id, "name": name})


def _insert_definition(conn: db.Connection, tenant_id: str, name: str, digest: str, definition: Any) -> list[db.Row]:
    return db.execute(
        conn,
        "insert_definition",
        {"tenant_id": tenant_id, "name": name, "content_hash": digest, "definition": Jsonb(definition)},
    )


def find_definition_by_hash(conn: db.Connection, tenant_id: str, digest: str) -> StoredDefinition | None:
    """Returns the tenant's stored definition with this content hash, or None."""
    rows = db.execute(conn, "find_definition_by_hash", {"tenant_id": tenant_id, "content_hash": digest.lower()})
    return _stored(rows[0]) if rows else None


def get_definition_version(
    conn: db.Connection, tenant_id: str, name: str, version: int | None = None
) -> StoredDefinition:
    """Returns one stored version of a definition (the latest when `version` is None).

    Raises:
        DefinitionNotFound: the tenant has no such name or version.
    """
    rows = db.execute(conn, "get_definition_version", {"tenant_id": tenant_id, "name": name, "version": version})
    if not rows:
        which = "any version" if version is None else f"version {version}"
        raise errors.DefinitionNotFound(f"no stored definition {name!r} with {which}")
    return _stored(rows[0])


def list_definitions(
    conn: db.Connection, tenant_id: str, name: str | None = None, *, limit: int = MAX_LISTED, offset: int = 0
) -> list[db.Row]:
    """Lists a tenant's stored versions (name, version, content hash, created_at, deprecated_at) by name,
    newest version first: one page."""
    return db.execute(
        conn, "list_definitions", {"tenant_id": tenant_id, "name": name, "limit": limit, "offset": offset}
    )


def list_latest_definitions(conn: db.Connection, tenant_id: str, *, limit: int, offset: int) -> list[db.Row]:
    """The latest version of each stored name (with `versions`, its count), by name: one page."""
    return db.execute(conn, "list_latest_definitions", {"tenant_id": tenant_id, "limit": limit, "offset": offset})


def definition_stats(conn: db.Connection, tenant_id: str) -> db.Row:
    """How many names, versions and deprecated versions the tenant has stored, and when it stored last."""
    return db.execute(conn, "definition_stats", {"tenant_id": tenant_id})[0]


def deprecate_definition_version(conn: db.Connection, tenant_id: str, name: str, version: int) -> StoredDefinition:
    """Marks a stored version deprecated: kept and runnable by its number, no longer its name's latest.

    Raises:
        DefinitionNotFound: the tenant has no such name or version.
    """
    rows = db.execute(conn, "deprecate_definition_version", {"tenant_id": tenant_id, "name": name, "version": version})
    if not rows:
        raise errors.DefinitionNotFound(f"no stored definition {name!r} with version {version}")
    return _stored(rows[0])


def get_definition_by_hash(conn: db.Connection, tenant_id: str, digest: str) -> StoredDefinition:
    """The tenant's stored definition with this content hash.

    Raises:
        DefinitionNotFound: none is stored.
    """
    found = find_definition_by_hash(conn, tenant_id, digest)
    if found is None:
        raise errors.DefinitionNotFound(f"no stored definition with hash {digest.lower()}")
    return found


def executions_grid(
    conn: db.Connection, tenant_id: str, digest: str, limit: int, offset: int, days: int
) -> dict[str, Any]:
    """The runs of a stored definition in the last `days` (newest first, one page) against its tasks: each
    task's state per run.

    A task's state in a run is `completed` or `failed` from its last attempt's checkpoint, `running`
    while an unfinished run has a checkpoint of it, `pending` before that, and `skipped` when the run
    ended without one.

    Raises:
        DefinitionNotFound: the tenant stores no definition with this hash.
    """
    stored = get_definition_by_hash(conn, tenant_id, digest)
    runs = db.execute(
        conn,
        "list_definition_runs",
        {
            "tenant_id": tenant_id,
            "definition_hash": stored.content_hash,
            "days": days,
            "limit": limit,
            "offset": offset,
        },
    )
    by_task: dict[Any, list[db.Row]] = {}
    for queue_name in sorted({run["queue_name"] for run in runs}):
        task_ids = [run["task_id"] for run in runs if run["queue_name"] == queue_name]
        for row in list_grid_checkpoints(conn, queue_name, task_ids):
            by_task.setdefault(row["task_id"], []).append(row)
    # Plan order (every dependency first): jsonb keeps no key order, so the stored tasks have none.
    tasks = [step.task_id for step in interpreter.build_plan(stored.definition).steps]
    grid: dict[str, list[str]] = {task: [] for task in tasks}
    for run in runs:
        states = _task_states(run["state"], by_task.get(run["task_id"], []))
        for task in tasks:
            grid[task].append(states.get(task, "skipped" if run["state"] in _ENDED else "pending"))
    return {"stored": stored, "tasks": tasks, "runs": runs, "grid": grid}


def list_grid_checkpoints(conn: db.Connection, queue_name: str, task_ids: list[Any]) -> list[db.Row]:
    """The checkpoints (task_id, step_name, status, created_at) of several root tasks of one queue."""
    return db.execute(conn, "list_grid_checkpoints", {"task_ids": task_ids}, queue=queue_name)


_ENDED = ("completed", "failed", "cancelled")


def _task_states(run_state: str, checkpoints: list[db.Row]) -> dict[str, str]:
    # An attempt's checkpoint is named `<task id>` or `<task id>#<attempt>`; inner steps (`<task id>/...`),
    # loop iterations (`<task id>[n]`) and prefixed ones (`sleep:`...) only show the task is under way.
    states: dict[str, str] = {}
    for row in checkpoints:
        name = str(row["step_name"])
        base = name.rsplit("#", 1)[0] if name.rsplit("#", 1)[-1].isdigit() else name
        if ":" in base.split("/", 1)[0]:
            base = base.split(":", 1)[1].split(":")[-1]
        task = base.split("/", 1)[0].split("[", 1)[0]
        if base == task:
            states[task] = "completed" if row["status"] == "ok" else "failed"
        else:
            states.setdefault(task, "running")
    if run_state not in _ENDED:
        # a failed attempt of a run still going on is retried, not failed yet
        states = {task: "running" if state == "failed" else state for task, state in states.items()}
    return states


def stored_of(row: db.Row) -> StoredDefinition:
    """A stored version of a row with name, version, content_hash, definition, created_at and deprecated_at."""
    return _stored(row)


def _stored(row: db.Row, created: bool = False) -> StoredDefinition:
    return StoredDefinition(
        name=row["name"],
        version=row["version"],
        content_hash=row["content_hash"],
        definition=row["definition"],
        created_at=row["created_at"],
        created=created,
        deprecated_at=row["deprecated_at"],
    )


def task_graph(definition: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The definition's tasks as nodes and its links as edges, in definition order.

    Edges are `{"from", "to", "kind"}`: `dependency` (from a task to one that depends on it), and
    `on_success`, `on_failure`, `if_true`, `if_false` and `case` for handlers and branches.
    """
    tasks = definition.get("tasks") if isinstance(definition, dict) else None
    tasks = tasks if isinstance(tasks, dict) else {}
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    for task_id, task in tasks.items():
        task = task if isinstance(task, dict) else {}
        nodes.append(
            {
                "id": task_id,
                "operator_type": task.get("operator_type"),
                "function": task.get("function"),
                "dependencies": list(task.get("dependencies") or []),
            }
        )
        edges += [{"from": str(dep), "to": task_id, "kind": "dependency"} for dep in task.get("dependencies") or []]
        for field in ("on_success_task_id", "on_failure_task_id", "if_true", "if_false"):
            target = task.get(field)
            if isinstance(target, str) and target:
                edges.append({"from": task_id, "to": target, "kind": field.removesuffix("_task_id")})
        for target in [*(task.get("cases") or {}).values(), task.get("default")]:
            if isinstance(target, str) and target:
                edges.append({"from": task_id, "to": target, "kind": "case"})
    return nodes, edges


def graph_dot(name: str, nodes: list[dict[str, Any]], edges: list[dict[str, str]]) -> str:
    """Graphviz DOT text of a task graph; each node is filled with the colour of its `state`."""
    lines = [
        f"digraph {_quote(name)} {{",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
    ]
    for node in nodes:
        state = str(node.get("state") or "pending")
        label = f'"{_escape(str(node["id"]))}\\n{_escape(state)}"'
        color = STATE_COLORS.get(state, STATE_COLORS["pending"])
        lines.append(f"  {_quote(node['id'])} [label={label}, fillcolor={_quote(color)}];")
    for edge in edges:
        style = "" if edge["kind"] == "dependency" else f' [style=dashed, label="{edge["kind"]}"]'
        lines.append(f"  {_quote(edge['from'])} -> {_quote(edge['to'])}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'
