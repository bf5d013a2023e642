"""Tests of the development stack (`hwe up`) as a real subprocess."""

from pathlib import Path


def alive(pid: int) -> bool:
    """Whether a process with this pid runs; a zombie (exited, not yet reaped by its parent) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state letter follows the command name, which is in parentheses and may itself contain ") ".
    return stat.rpartition(")")[2].split()[0] != "Z"
