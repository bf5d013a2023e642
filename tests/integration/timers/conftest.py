"""The timer tests also read `hwe replay` as a real subprocess, with the CLI tests' runner."""

from tests.integration.cli.conftest import hwe

__all__ = ["hwe"]
