"""Order saga: reserve stock, charge the card, ship; a declined charge is compensated.

Every side effect appends to `inputs.dir`/ledger.log. When `inputs.card` is "declined" the charge
fails and its on_failure handler releases the reservation (the compensation): the failure is
handled, so the run completes, and shipping is skipped.
"""

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("order_saga", version="1.0.0")
    builder.task(
        "reserve",
        "tools.shell.run",
        args=["echo reserve {{inputs.order}} >> {{inputs.dir}}/ledger.log; printf R-{{inputs.order}}"],
        result_key="reservation",
    )
    builder.task(
        "charge",
        "tools.shell.run",
        args=[
            "test '{{inputs.card}}' != declined || { echo card declined >&2; exit 2; }; "
            "echo charge {{inputs.order}} >> {{inputs.dir}}/ledger.log; printf C-{{inputs.order}}"
        ],
        result_key="payment",
        on_failure_task_id="release",
    )
    builder.task(
        "ship",
        "tools.shell.run",
        args=["echo ship {{payment.stdout}} >> {{inputs.dir}}/ledger.log; printf shipped"],
        result_key="shipment",
    )
    builder.task(
        "release",
        "tools.shell.run",
        args=["echo release {{reservation.stdout}} >> {{inputs.dir}}/ledger.log; printf released"],
        result_key="compensation",
        dependencies=[],
    )
    return builder.build()
