"""Tests of the development stack (`hwe up`) as a real subprocess."""

import os


def alive(pid: int) -> bool:
    """Whether a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
