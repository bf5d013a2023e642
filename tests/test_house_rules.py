"""The repository's house rules, checked on the source tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = [p for d in ("hwe", "services") for p in (ROOT / d).rglob("*.py")]
QUERIES = sorted((ROOT / "hwe" / "sql" / "queries").glob("*.sql"))


def test_engine_and_service_modules_stay_under_500_lines() -> None:
    too_long = [str(p.relative_to(ROOT)) for p in SOURCE if len(p.read_text().splitlines()) > 500]
    assert too_long == []


def test_test_files_stay_under_600_lines() -> None:
    too_long = [str(p) for p in (ROOT / "tests").rglob("*.py") if len(p.read_text().splitlines()) > 600]
    assert too_long == []


def test_every_query_file_is_run_by_exactly_one_call_site() -> None:
    source = "\n".join(p.read_text() for p in SOURCE)
    for query in QUERIES:
        calls = re.findall(rf'db\.execute\([^)]*?"{query.stem}"', source, flags=re.S)
        assert len(calls) == 1, f"{query.name} is run by {len(calls)} call sites"


def test_every_executed_query_name_has_a_file() -> None:
    names = {q.stem for q in QUERIES}
    for path in SOURCE:
        for name in re.findall(r'db\.execute\(\s*\w+,\s*"(\w+)"', path.read_text()):
            assert name in names, f"{path.name} runs {name!r}, which has no .sql file"


def test_no_sql_text_in_python_source() -> None:
    pattern = re.compile(r"[\"'].*\b(SELECT .* FROM|INSERT INTO|UPDATE [a-z_.]+ SET|DELETE FROM)\b")
    offenders = [str(p.relative_to(ROOT)) for p in SOURCE if pattern.search(p.read_text())]
    assert offenders == []


def test_every_query_file_starts_with_a_comment_saying_what_it_does() -> None:
    assert [q.name for q in QUERIES if not q.read_text().startswith("-- ")] == []


def test_query_files_read_the_time_only_through_the_engine_clock() -> None:
    offenders = [
        q.name
        for q in QUERIES
        if re.search(r"\bnow\(\)|clock_timestamp\(\)", q.read_text()) and q.stem != "ensure_schema_migrations"
    ]
    assert offenders == []


def test_no_asyncio_threads_or_prints_in_engine_and_services() -> None:
    for path in SOURCE:
        text = path.read_text()
        assert not re.search(r"^\s*(import asyncio|from asyncio )", text, re.M), path
        assert "threading.Thread" not in text, path
        if "cli" not in path.parts:
            assert not re.search(r"^\s*print\(", text, re.M), path


def test_logging_calls_use_lazy_arguments_not_f_strings() -> None:
    pattern = re.compile(r"log(ger)?\.(debug|info|warning|error|exception|critical)\(\s*f[\"']")
    assert [str(p) for p in SOURCE if pattern.search(p.read_text())] == []


def test_services_import_no_other_service_and_no_private_engine_module() -> None:
    for path in (ROOT / "services").rglob("*.py"):
        service = path.relative_to(ROOT / "services").parts[0]
        for imported in re.findall(r"^\s*(?:from|import) (services\.\w+|hwe[\w.]*)", path.read_text(), re.M):
            assert not re.search(r"\._", imported), f"{path}: imports private {imported}"
            if imported.startswith("services."):
                assert imported == f"services.{service}", f"{path}: imports {imported}"


def test_exceptions_are_defined_only_in_the_errors_module() -> None:
    for path in (ROOT / "hwe").rglob("*.py"):
        if path.name != "errors.py":
            assert not re.search(r"^class \w+\((\w+\.)?(Exception|BaseException)\)", path.read_text(), re.M), path


def test_test_names_describe_a_behaviour() -> None:
    vague = re.compile(r"^def (test_basic|test_\d+|test_it|test_works)\b", re.M)
    assert [str(p) for p in (ROOT / "tests").rglob("test_*.py") if vague.search(p.read_text())] == []


def test_sql_reaches_the_database_only_through_db_execute_and_the_migrator() -> None:
    # Every statement is a .sql file run by db.execute; only hwe/db.py and hwe/migrate.py talk to psycopg directly.
    allowed = {ROOT / "hwe" / "db.py", ROOT / "hwe" / "migrate.py"}
    pattern = re.compile(r"(?<!db)\.execute\(|\.executemany\(|\bsql\.SQL\(|\.cursor\(")
    offenders = [str(p.relative_to(ROOT)) for p in SOURCE if p not in allowed and pattern.search(p.read_text())]
    assert offenders == []


def test_dynamic_names_are_bound_only_with_sql_identifier() -> None:
    # The one place a name goes into SQL text: hwe/db.py binds the queue's tables with sql.Identifier, never a string.
    source = (ROOT / "hwe" / "db.py").read_text()
    assert re.findall(r"sql\.SQL\([^)]*\)\.format\(([^)]*)\)", source) == ["**names"]
    bindings = re.findall(r"names(?:\[[^\]]+\])? = (.*)", source)
    assert bindings and all(binding.lstrip("{").split("(")[0].endswith("sql.Identifier") for binding in bindings)
