"""Entry point of the Workflow operator: kopf reconciles `highway.dev` Workflow resources into engine runs.

Unlike the trio services, kopf owns the loop here (as uvicorn does for the API): `main` loads the settings and
hands kopf a registry of plain handlers. The operator reaches the engine only through its REST API.
"""

from __future__ import annotations

import logging

import kopf

from hwe import config, errors, metrics, secrets
from hwe import logging as hwe_logging
from services.operator import _engine, _handlers, _reconcile

_OPERATOR_API_KEY = "operator_api_key"


def main() -> None:
    """Loads the settings and runs the operator until SIGTERM or SIGINT."""
    settings = config.load_settings()
    hwe_logging.configure(settings.log_level, "operator")
    # kopf logs every handler success, a line per unfinished resource per sync; the reconcile logs what matters.
    kopf_objects = logging.getLogger("kopf.objects")
    kopf_objects.setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    api_url = settings.operator_api_url or f"http://{settings.api_host}:{settings.api_port}"
    context = _reconcile.Context(
        engine=_engine.Engine(api_url),
        operator_key=_operator_key(settings),
        sync_seconds=settings.operator_sync_seconds,
    )
    registry = _handlers.build_registry(context, settings.operator_health_file)
    metrics.serve_metrics(settings.operator_metrics_port, settings.operator_listen_host)
    namespaces = [name.strip() for name in settings.operator_namespaces.split(",") if name.strip()]
    port = settings.operator_health_port
    kopf.run(
        registry=registry,
        standalone=True,  # no peering: the idempotency keys make a second replica harmless (docs/operator.md)
        clusterwide=not namespaces,
        namespaces=namespaces,
        liveness_endpoint=f"http://{settings.operator_listen_host}:{port}/healthz" if port else None,
    )


def _operator_key(settings: config.Settings) -> str | None:
    """The operator's own API key: the secret provider's `operator_api_key`, or HWE_OPERATOR_API_KEY in development.

    Production refuses to start without it; development runs without one, serving only namespaces with a key.
    """
    if settings.operator_api_key and not settings.is_production:
        return settings.operator_api_key
    try:
        return secrets.open_secret_provider(settings).get(_OPERATOR_API_KEY)
    except errors.ConfigError as err:
        if settings.is_production:
            raise SystemExit(f"operator: {err}") from None  # one line on stderr, not a traceback
        return None


if __name__ == "__main__":
    main()
