"""POSTs to inputs.url with tools.http.request and reports the answer; retries a 5xx once."""

from datetime import timedelta

from highway_dsl import Workflow, WorkflowBuilder


def build() -> Workflow:
    builder = WorkflowBuilder("http_call", version="1.0.0")
    builder.task(
        "call",
        "tools.http.request",
        kwargs={"url": "{{inputs.url}}", "method": "POST", "json_data": {"order": "{{inputs.order}}"}},
        result_key="answer",
    )
    builder.retry(max_retries=1, delay=timedelta(seconds=0.2), backoff_factor=1.0)
    return builder.build()
