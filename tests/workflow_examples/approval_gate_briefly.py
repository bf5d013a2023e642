"""approval_gate with a 1-second timeout."""

from highway_dsl import Workflow

from tests.workflow_examples import approval_gate


def build() -> Workflow:
    return approval_gate.build(timeout_seconds=1, name="approval_gate_briefly")
