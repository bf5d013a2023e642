"""The Workflow status the operator computes from a run: phases, conditions, limits, and Events."""

from __future__ import annotations

from typing import Any

from services.operator import _status

RUN_ID = "0b9c8f7e-0000-4000-8000-000000000001"


def _run(state: str, **fields: Any) -> dict[str, Any]:
    return {
        "workflow_run_id": RUN_ID,
        "state": state,
        "progress": {"completed": 1, "total": 3},
        "current_step": "second",
        "started_at": "2026-12-01T10:00:00.123456+00:00",
        "finished_at": None,
        "error": None,
        **fields,
    }


def test_engine_states_map_to_the_five_phases() -> None:
    phases = {state: _status.of_run(_run(state), {}, 1, "u", "Submitted", "t")["phase"] for state in _status.PHASES}

    assert phases == {
        "pending": "Pending",
        "running": "Running",
        "sleeping": "Running",
        "waiting": "Running",
        "completed": "Succeeded",
        "failed": "Failed",
        "cancelled": "Cancelled",
    }


def test_running_status_has_progress_and_an_unknown_succeeded_condition() -> None:
    status = _status.of_run(_run("sleeping"), {}, 4, "http://api/run", "Submitted", "2026-12-01T10:00:01Z")

    assert status["progress"] == "1/3"
    assert status["message"] == "sleeping in second"
    assert status["startedAt"] == "2026-12-01T10:00:00Z"
    assert status["finishedAt"] is None
    assert [(c["type"], c["status"], c["observedGeneration"]) for c in status["conditions"]] == [
        ("Submitted", "True", 4),
        ("Succeeded", "Unknown", 4),
        ("Synced", "True", 4),
    ]


def test_failed_run_names_the_task_and_error_type_in_its_message() -> None:
    error = {"type": "ToolFailed", "task_id": "second", "message": "exit status 3"}
    status = _status.of_run(_run("failed", error=error), {}, 1, "u", "Submitted", "t")

    assert status["message"] == "ToolFailed in task second: exit status 3"
    assert _status.events({}, status)[-1] == _status.Event("Warning", "Failed", f"run {RUN_ID} failed")


def test_messages_are_cut_to_one_kibibyte_on_a_character_boundary() -> None:
    error = {"type": "E", "task_id": "t", "message": "é" * 2000}
    status = _status.of_run(_run("failed", error=error), {}, 1, "u", "Submitted", "t")

    assert len(status["message"].encode()) <= 1024
    assert status["message"].endswith("...")


def test_transition_time_changes_only_when_a_condition_changes_status() -> None:
    first = _status.of_run(_run("running"), {}, 1, "u", "Submitted", "2026-12-01T10:00:00Z")
    again = _status.of_run(_run("running"), first, 1, "u", "Submitted", "2026-12-01T10:05:00Z")
    done = _status.of_run(_run("completed"), again, 1, "u", "Submitted", "2026-12-01T10:09:00Z")

    times = {c["type"]: c["lastTransitionTime"] for c in done["conditions"]}
    assert {c["type"]: c["lastTransitionTime"] for c in again["conditions"]} == {
        "Submitted": "2026-12-01T10:00:00Z",
        "Succeeded": "2026-12-01T10:00:00Z",
        "Synced": "2026-12-01T10:00:00Z",
    }
    assert times["Succeeded"] == "2026-12-01T10:09:00Z"
    assert times["Submitted"] == "2026-12-01T10:00:00Z"


def test_outage_keeps_the_run_fields_and_says_the_status_is_not_synced() -> None:
    running = _status.of_run(_run("running"), {}, 2, "u", "Submitted", "t0")

    stale = _status.waiting(running, 2, "EngineUnavailable", "cannot reach the engine", "t1", unsynced=True)

    assert stale["runId"] == RUN_ID
    assert stale["phase"] == "Running"
    assert stale["progress"] == "1/3"
    synced = next(c for c in stale["conditions"] if c["type"] == "Synced")
    assert (synced["status"], synced["reason"]) == ("False", "EngineUnavailable")
    assert _status.events(running, stale) == [
        _status.Event("Warning", "EngineUnavailable", "cannot reach the engine; retrying")
    ]


def test_refused_submission_fails_without_a_run_and_is_finished_for_its_generation() -> None:
    status = _status.refused({}, 3, "InvalidWorkflow", "task 'b': unknown dependency 'x'", "t")

    assert status["phase"] == "Failed"
    assert status["runId"] is None
    assert _status.is_finished(status, 3)
    assert not _status.is_finished(status, 4)
    assert [e.reason for e in _status.events({}, status)] == ["SubmitFailed"]


def test_repeating_the_same_status_posts_no_event() -> None:
    status = _status.of_run(_run("completed"), {}, 1, "u", "Submitted", "t")

    assert [e.reason for e in _status.events({}, status)] == ["Submitted", "Succeeded"]
    assert _status.events(status, status) == []
