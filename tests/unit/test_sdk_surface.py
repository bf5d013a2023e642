"""The API serves every operation of the published generated client, highway-sdk 1.0.1, at its exact path.

The operations are read from the installed SDK's own source (each generated method names its HTTP method and
resource path), so the list cannot drift from what users call. The people and sign-in operations and the
console's pages are not served yet; they are listed here by name, and the list may only shrink.
"""

from __future__ import annotations

import re
from pathlib import Path

import highway_sdk
from starlette.routing import Route

from services.api import _app

# The SDK's operations not served yet, by API class (None: all of the class's); today every one is served.
NOT_SERVED_YET: dict[str, set[tuple[str, str]] | None] = {}
_OPERATION = re.compile(r'method="(\w+)",\s*resource_path="([^"]+)"')
_METHOD = re.compile(r'def _(\w+)_serialize\(.*?method="(\w+)",\s*resource_path="([^"]+)"', re.DOTALL)
TESTS = Path(__file__).parent.parent


def sdk_operations() -> dict[tuple[str, str], str]:
    """Every (method, path) the SDK calls, with the API class (module) that calls it."""
    api_dir = Path(highway_sdk.__file__).parent / "api"
    operations = {}
    for module in sorted(api_dir.glob("*_api.py")):
        for method, path in _OPERATION.findall(module.read_text()):
            operations[(method, path)] = module.stem
    return operations


def served_operations() -> set[tuple[str, str]]:
    served = set()
    for route in _app.routes():
        assert isinstance(route, Route)
        path = re.sub(r":\w+}", "}", route.path)
        served |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return served


def _not_served_yet(operation: tuple[str, str], group: str) -> bool:
    if group not in NOT_SERVED_YET:
        return False
    listed = NOT_SERVED_YET[group]
    return listed is None or operation in listed


def test_the_sdk_source_names_its_168_operations() -> None:
    assert len(sdk_operations()) == 168


def test_every_engine_operation_of_the_sdk_is_served_at_its_exact_path() -> None:
    served = served_operations()
    missing = sorted(
        f"{group}: {method} {path}"
        for (method, path), group in sdk_operations().items()
        if (method, path) not in served and not _not_served_yet((method, path), group)
    )
    assert missing == []


def test_nothing_listed_as_not_served_yet_is_served() -> None:
    served = served_operations()
    listed_but_served = sorted(
        f"{method} {path}"
        for (method, path), group in sdk_operations().items()
        if _not_served_yet((method, path), group) and (method, path) in served
    )
    assert listed_but_served == []


def test_every_served_operation_is_called_through_the_sdks_own_method_in_some_test() -> None:
    """The SDK method's name appears in a test (with `sdk_call` or called directly), so each operation is
    exercised as the published client sends it and reads its answer."""
    api_dir = Path(highway_sdk.__file__).parent / "api"
    tests = "\n".join(path.read_text() for path in TESTS.rglob("test_*.py") if path != Path(__file__))
    served = served_operations()
    uncalled = sorted(
        f"{module.stem}.{name} ({method} {path})"
        for module in api_dir.glob("*_api.py")
        for name, method, path in _METHOD.findall(module.read_text())
        if (method, path) in served
        and f'"{name}"' not in tests
        and f".{name}(" not in tests
        and f".{name}_with_http_info(" not in tests
        and f"._{name}_serialize(" not in tests
    )
    assert uncalled == []
