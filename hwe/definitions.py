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
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from hwe import db, errors, interpreter

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
        found = find_definition_by_hash(conn, tenant_id, digest)
        if found is not None:
            return found
        # The content names the definition, so the name's lock also covers its hash: this inserts.
        rows = _insert_definition(conn, tenant_id, plan.name, digest, definition)
    return _stored(rows[0], created=True)


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


def list_definitions(conn: db.Connection, tenant_id: str, name: str | None = None) -> list[db.Row]:
    """Lists a tenant's stored definitions (name, version, content hash, created_at), newest version first."""
    return db.execute(conn, "list_definitions", {"tenant_id": tenant_id, "name": name, "limit": MAX_LISTED})


def _stored(row: db.Row, created: bool = False) -> StoredDefinition:
    return StoredDefinition(
        name=row["name"],
        version=row["version"],
        content_hash=row["content_hash"],
        definition=row["definition"],
        created_at=row["created_at"],
        created=created,
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
