"""`make audit`: pip-audit over the packages installed in this environment, honest about when it could not run.

pip-audit asks a vulnerability service (PyPI's JSON API) about each installed package. When the service cannot be
reached, pip-audit stops with a connection error; behind a stand-in that answers "not found" for everything it skips
every package and still prints "No known vulnerabilities found". Either way this script prints one line saying that
the audit could not run and why, and exits 0: nothing was audited, and nothing pretends it was. Otherwise it lists
what pip-audit found and exits with pip-audit's status (1 when an installed package has a known vulnerability).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

NOT_RUN = "audit: could not run"
# The last line of pip-audit's traceback when a request to its service fails: requests' errors are all about the
# connection (refused, DNS, proxy, TLS, timeout), and pip-audit's own ConnectionError is raised on a connect timeout.
_CONNECTION_ERROR = re.compile(r"^(requests\.exceptions\.\w+|pip_audit\.[\w.]*ConnectionError): ")


def main() -> int:
    """Runs pip-audit and reports its result; returns the exit status."""
    with tempfile.TemporaryDirectory() as tmp:
        report_file = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--format", "json"]
        done = subprocess.run([*command, "--output", str(report_file)], capture_output=True, text=True)
        report = json.loads(report_file.read_text()) if report_file.is_file() else None
    if report is None:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        if _CONNECTION_ERROR.match(last):
            error = last.split(":", 1)[0]
            _say(f"{NOT_RUN}: its vulnerability service cannot be reached ({error}); nothing was audited")
            return 0
        sys.stderr.write(done.stderr)
        return done.returncode or 1
    dependencies = report["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if dependencies and not audited:
        _say(
            f"{NOT_RUN}: its vulnerability service knows none of the {len(dependencies)} installed packages"
            f" (first: {dependencies[0]['skip_reason']}), so it is not the real one; nothing was audited"
        )
        return 0
    for dependency in audited:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln["fix_versions"]) or "none yet"
            _say(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})")
    vulnerable = sum(1 for d in audited if d["vulns"])
    _say(
        f"audit: {len(audited)} packages audited, {vulnerable} with known vulnerabilities,"
        f" {len(dependencies) - len(audited)} skipped"
    )
    return done.returncode


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
