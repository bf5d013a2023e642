"""A reflexive loop: a generator proposes, a verifier judges, and the correction feeds the next turn.

The generator (tools.code.exec) answers with its turn number and the correction it was given;
the verifier passes from turn `inputs.pass_from` on. `max_turns` is 3.
"""

from highway_dsl import Workflow, WorkflowBuilder

GENERATOR = (
    "import json\nprint('__HIGHWAY_RESULT__:' + json.dumps({'turn': {{turn}}, 'correction': '{{correction}}'}))\n"
)
VERIFIER = (
    "import json\n"
    "ok = {{output.turn}} >= {{inputs.pass_from}}\n"
    "print('__HIGHWAY_RESULT__:' + json.dumps({'passed': ok, 'reason': 'turn {{output.turn}}'}))\n"
)


def build() -> Workflow:
    builder = WorkflowBuilder("reflexive_until_verified", version="1.0.0")
    builder.reflexive(
        "draft",
        generator="tools.code.exec",
        generator_kwargs={"code": GENERATOR},
        verifier="tools.code.exec",
        verifier_kwargs={"code": VERIFIER},
        max_turns=3,
        correction_prompt_template="fix turn {{turn}} after {{feedback.reason}}",
        result_key="draft",
    )
    return builder.build()
