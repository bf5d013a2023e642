"""deadline_while_sleeping with deadline_action cancel."""

from highway_dsl import Workflow

from tests.workflow_examples import deadline_while_sleeping


def build() -> Workflow:
    return deadline_while_sleeping.build("cancel")
