"""The REST API gateway: Starlette on uvicorn (`python -m services.api`)."""
