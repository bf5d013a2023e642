"""Durable functions the tests upload as an artifact and run with tools.python.run."""
