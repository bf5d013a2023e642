"""The approval wait of wait_for_approval, with a 2-second timeout."""

from highway_dsl import Workflow

from tests.workflow_examples import wait_for_approval


def build() -> Workflow:
    return wait_for_approval.build(timeout_seconds=2, name="wait_for_approval_briefly")
