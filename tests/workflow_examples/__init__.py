"""Workflow definitions the tests submit, each built with highway_dsl by a `build()` function."""

from __future__ import annotations

import importlib
import json
from typing import Any


def load(name: str) -> dict[str, Any]:
    """Returns the wire JSON (as sent to the API) of the example module `name`."""
    module = importlib.import_module(f"tests.workflow_examples.{name}")
    definition: dict[str, Any] = json.loads(module.build().to_json())
    return definition
