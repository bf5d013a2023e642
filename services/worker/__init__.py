"""The worker service: claims root tasks from one queue and runs them (`python -m services.worker`)."""
