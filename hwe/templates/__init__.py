"""Workflow templates: verified highway_dsl definitions the API serves as starting points.

Each `<name>.json` here holds a name, a description, example inputs and the workflow definition;
the test suite runs every template with its example inputs through the real API and worker, so
only definitions that work are served. Read by the API; never written at run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hwe import errors

TEMPLATE_DIR = Path(__file__).parent


def list_templates() -> list[dict[str, Any]]:
    """Every template's name, description and example inputs (without the definition), by name."""
    return [
        {key: template[key] for key in ("name", "description", "inputs")}
        for template in (get_template(path.stem) for path in sorted(TEMPLATE_DIR.glob("*.json")))
    ]


def get_template(name: str) -> dict[str, Any]:
    """One template, with its workflow definition.

    Raises:
        TemplateNotFound: no template of that name.
    """
    path = TEMPLATE_DIR / f"{name}.json"
    if not name.replace("_", "").isalnum() or not path.is_file():
        raise errors.TemplateNotFound(f"no template named {name!r}")
    template: dict[str, Any] = json.loads(path.read_text())
    return template
