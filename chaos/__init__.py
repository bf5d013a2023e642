"""The chaos harness (`make chaos`, `python -m chaos`): a mixed workload on a whole stack while faults hit every part.

`_stack` runs the stack (`hwe up` supervises the services on an embedded PostgreSQL the harness owns), `_receiver`
is the webhook receiver, `_workload` submits and drives the runs over the REST API, `_faults` injects the faults
and `_checks` reads the database afterwards to judge every invariant. docs/chaos.md describes each fault and check.
"""
