"""The operator's handlers called directly, as kopf calls them: against the real API and the emulator.

These pin what must hold however kopf delivers events (twice, late, after a restart, from two replicas): the
reconcile is level-based, and its engine calls are keyed by the resource's uid and generation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import kopf
import pytest

from services.operator import _engine, _kube, _reconcile
from tests.integration.conftest import Tenant, free_port
from tests.integration.operator.conftest import Kube, runs_named, without_nulls
from tests.workflow_examples import load


@pytest.fixture
def context(kube: Kube, tenant: Tenant) -> Iterator[_reconcile.Context]:
    """A reconcile context for the tenant (no worker: runs stay pending), reading the emulated cluster."""
    found = _reconcile.Context(_engine.Engine(tenant.api_url), tenant.new_key("operator"), sync_seconds=1.0)
    found.kube = _kube.Kube(kopf.ConnectionInfo(server=kube.url, token="x"))
    yield found
    found.engine.close()
    found.kube.close()


def _resource(spec: dict[str, Any], status: dict[str, Any] | None = None, generation: int = 1) -> _reconcile.Resource:
    return _reconcile.Resource("default", "direct", str(uuid.uuid4()), generation, spec, status or {})


def _unplug_engine(context: _reconcile.Context) -> None:
    """Points the context at a port where nothing listens."""
    context.engine.close()
    context.engine = _engine.Engine(f"http://127.0.0.1:{free_port()}")


def _spec(**extra: Any) -> dict[str, Any]:
    return {"definition": without_nulls(load("three_shell_steps")), "inputs": {"name": "direct"}, **extra}


def test_redelivered_create_finds_the_same_run(context: _reconcile.Context, tenant: Tenant) -> None:
    resource = _resource(_spec())

    first = _reconcile.reconcile(resource, context)
    again = _reconcile.reconcile(resource, context)

    assert first.status["runId"] == again.status["runId"]
    assert [run["workflow_run_id"] for run in runs_named(tenant, "three_shell_steps")] == [first.status["runId"]]
    assert first.status["phase"] == "Pending"
    assert [e.reason for e in first.events] == ["Submitted"]


def test_reconcile_with_the_status_it_wrote_reports_without_submitting(
    context: _reconcile.Context, tenant: Tenant
) -> None:
    resource = _resource(_spec())
    written = _reconcile.reconcile(resource, context).status

    later = _reconcile.reconcile(_reconcile.Resource(**{**resource.__dict__, "status": written}), context)

    assert later.status["runId"] == written["runId"]
    assert later.events == []
    assert len(runs_named(tenant, "three_shell_steps")) == 1


def test_refused_generation_is_not_sent_to_the_engine_again(context: _reconcile.Context) -> None:
    broken = _spec()
    broken["definition"]["tasks"]["combine"]["dependencies"] = ["missing"]
    resource = _resource(broken)
    refused = _reconcile.reconcile(resource, context).status
    _unplug_engine(context)  # any call would fail now

    again = _reconcile.reconcile(_reconcile.Resource(**{**resource.__dict__, "status": refused}), context)

    assert refused["phase"] == "Failed"
    assert again.retry is None
    assert again.status == refused


def test_spec_with_two_definition_sources_fails_before_any_engine_call(context: _reconcile.Context) -> None:
    _unplug_engine(context)

    outcome = _reconcile.reconcile(_resource(_spec(workflowRef={"name": "x"})), context)

    assert outcome.retry is None
    assert outcome.status["phase"] == "Failed"
    assert outcome.status["conditions"][0]["reason"] == "InvalidSpec"


def test_unreachable_engine_is_retried_and_leaves_the_generation_unobserved(context: _reconcile.Context) -> None:
    _unplug_engine(context)

    outcome = _reconcile.reconcile(_resource(_spec()), context)

    assert outcome.retry is not None
    assert outcome.retry.reason == "EngineUnavailable"
    assert outcome.status["phase"] == "Pending"
    assert outcome.status["observedGeneration"] is None


def test_finalize_cancels_an_unfinished_run_once_and_lets_a_finished_one_go(
    context: _reconcile.Context, tenant: Tenant
) -> None:
    resource = _resource(_spec())
    status = _reconcile.reconcile(resource, context).status
    deleting = _reconcile.Resource(**{**resource.__dict__, "status": status})

    first = _reconcile.finalize(deleting, context)
    second = _reconcile.finalize(deleting, context)

    assert [e.reason for e in first] == ["Cancelled"]
    assert second == []
    assert tenant.run(status["runId"])["state"] == "cancelled"


def test_finalize_with_orphan_policy_leaves_the_run(context: _reconcile.Context, tenant: Tenant) -> None:
    resource = _resource(_spec(deletionPolicy="Orphan"))
    status = _reconcile.reconcile(resource, context).status

    assert _reconcile.finalize(_reconcile.Resource(**{**resource.__dict__, "status": status}), context) == []
    assert tenant.run(status["runId"])["state"] == "pending"


def test_key_without_the_operator_role_fails_the_resource_with_reason_forbidden(
    context: _reconcile.Context, tenant: Tenant
) -> None:
    context.operator_key = tenant.new_key("viewer")

    outcome = _reconcile.reconcile(_resource(_spec()), context)

    assert outcome.retry is None
    assert outcome.status["phase"] == "Failed"
    assert [(c["type"], c["status"], c["reason"]) for c in outcome.status["conditions"][:1]] == [
        ("Submitted", "False", "Forbidden")
    ]
    assert runs_named(tenant, "three_shell_steps") == []
