"""Group commit: checkpoints of several runs in one transaction keep every guarantee of a checkpoint alone.

A worker's Committer commits the writes of different runs that arrive together in one transaction. These
tests drive it with real claims and the real checkpoint statement: a zombie's write in a batch (alone or as a
row of the multi-row checkpoint statement) is still refused, one run's failing write does not undo its
batch-mates', and writes arriving together share a commit.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import trio

from hwe import committer, db, errors, queue, tenants


def _claims(conn: db.Connection, count: int) -> list[queue.ClaimedTask]:
    name = f"q{uuid.uuid4().hex[:12]}"
    tenants.create_tenant(conn, name, queue_name=name)
    for _ in range(count):
        queue.spawn_task(
            conn,
            name,
            task_id=uuid.uuid4(),
            workflow_run_id=uuid.uuid4(),
            task_name="work",
            params={},
            idempotency_key=str(uuid.uuid4()),
        )
    claims = queue.claim_tasks(conn, name, worker_id="w", limit=count, lease_seconds=30).claims
    assert len(claims) == count
    return claims


def _checkpoint(conn: db.Connection, claim: queue.ClaimedTask) -> bool:
    return queue.checkpoint_step(
        conn, claim, step_name="step", position=1, state={"by": str(claim.run_id)}, context_patch={}, lease_seconds=30
    )


def _checkpoint_then_fail(conn: db.Connection, claim: queue.ClaimedTask) -> bool:
    _checkpoint(conn, claim)
    raise RuntimeError("this run's write fails after its checkpoint statement")


def _write_together(
    database_url: str, writes: list[tuple[Callable[..., Any], queue.ClaimedTask]]
) -> tuple[list[Any], dict[str, int]]:
    """Sends every write to one Committer in the same tick; returns each outcome (a value or the exception)."""
    outcomes: list[Any] = [None] * len(writes)

    async def main() -> dict[str, int]:
        with db.open_pool(database_url, 2) as pool:
            writer = committer.Committer(db.Database(pool, 2))
            async with trio.open_nursery() as nursery:
                await nursery.start(writer.serve)

                async def one(index: int, fn: Callable[..., Any], claim: queue.ClaimedTask) -> None:
                    try:
                        outcomes[index] = await writer.write(fn, claim)
                    except Exception as err:
                        outcomes[index] = err

                async with trio.open_nursery() as writers:
                    for index, (fn, claim) in enumerate(writes):
                        writers.start_soon(one, index, fn, claim)
                nursery.cancel_scope.cancel()
            return writer.statistics()

    return outcomes, trio.run(main)


def _committed(conn: db.Connection, claim: queue.ClaimedTask) -> bool:
    return bool(queue.load_checkpoints(conn, claim))


def test_writes_of_runs_finishing_together_share_one_commit(database_url: str, conn: db.Connection) -> None:
    claims = _claims(conn, 4)

    outcomes, statistics = _write_together(database_url, [(_checkpoint, claim) for claim in claims])

    assert outcomes == [True] * 4
    assert statistics == {"batches": 1, "writes": 4}
    assert all(_committed(conn, claim) for claim in claims)


def test_fenced_out_write_in_a_batch_is_refused_while_its_batch_mates_commit(
    database_url: str, conn: db.Connection
) -> None:
    first, second, third = _claims(conn, 3)
    zombie = dataclasses.replace(second, fencing_token=second.fencing_token - 1)  # an earlier holder's token

    outcomes, statistics = _write_together(
        database_url, [(_checkpoint, first), (_checkpoint, zombie), (_checkpoint, third)]
    )

    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], errors.FencingLost)
    assert statistics["batches"] == 1
    assert _committed(conn, first) and _committed(conn, third)
    assert not _committed(conn, second)


def test_one_runs_failing_write_does_not_roll_back_another_runs_checkpoint(
    database_url: str, conn: db.Connection
) -> None:
    healthy, failing = _claims(conn, 2)

    outcomes, _ = _write_together(database_url, [(_checkpoint, healthy), (_checkpoint_then_fail, failing)])

    assert outcomes[0] is True
    assert isinstance(outcomes[1], RuntimeError)
    assert _committed(conn, healthy)
    assert not _committed(conn, failing), "the failing write's own checkpoint must roll back with it"


@pytest.mark.parametrize("count", [1, 2])
def test_a_write_is_reported_committed_only_once_its_checkpoint_is_visible(
    database_url: str, conn: db.Connection, count: int
) -> None:
    claims = _claims(conn, count)

    outcomes, _ = _write_together(database_url, [(_checkpoint, claim) for claim in claims])

    assert outcomes == [True] * count
    # Another session sees every checkpoint the writers were told is committed.
    with db.connect(database_url) as other:
        assert all(_committed(other, claim) for claim in claims)


def test_combined_checkpoints_are_fenced_row_by_row_in_one_statement(database_url: str, conn: db.Connection) -> None:
    first, second, third = _claims(conn, 3)
    zombie = dataclasses.replace(second, fencing_token=second.fencing_token - 1)  # an earlier holder's token

    def step(claim: queue.ClaimedTask, name: str, position: int = 1) -> queue.StepWrite:
        return queue.StepWrite(claim, name, position, {"by": str(claim.run_id)}, {}, 30)

    # The first run's two steps need two rounds (a statement updates a run once); all share one commit.
    writes = [step(first, "a"), step(zombie, "a"), step(third, "a"), step(first, "b", 2)]
    outcomes: list[Any] = [None] * len(writes)

    async def main() -> dict[str, int]:
        with db.open_pool(database_url, 2) as pool:
            writer = committer.Committer(db.Database(pool, 2))
            async with trio.open_nursery() as nursery:
                await nursery.start(writer.serve)

                async def one(index: int, write: queue.StepWrite) -> None:
                    try:
                        outcomes[index] = await writer.write_combined(queue.checkpoint_steps, write)
                    except Exception as err:
                        outcomes[index] = err

                async with trio.open_nursery() as writers:
                    for index, write in enumerate(writes):
                        writers.start_soon(one, index, write)
                nursery.cancel_scope.cancel()
            return writer.statistics()

    statistics = trio.run(main)

    assert outcomes[0] is True and outcomes[2] is True and outcomes[3] is True
    assert isinstance(outcomes[1], errors.FencingLost)
    assert statistics == {"batches": 1, "writes": 4}
    assert [c.step_name for c in queue.load_checkpoints(conn, first)] == ["a", "b"]
    assert _committed(conn, third)
    assert not _committed(conn, second)
