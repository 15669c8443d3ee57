"""pip-audit on the packages installed in .venv, which are what the suite has just tested.

Fails when any installed package has a known vulnerability (each is printed with its fix).
pip-audit asks PyPI's per-version JSON (or OSV) for the vulnerability records; where neither
answers, as behind a registry mirror that serves only each package's latest document, every
package comes back "not found". That is this machine's reach, not the project's state, so
the script says so plainly, lists nothing as audited, and does not fail the build.

    .venv/bin/python .ci/audit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        ran = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            [
                sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
                "--format", "json", "--output", str(out),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip
        report = json.loads(out.read_text()) if out.exists() and out.stat().st_size else None
    if report is None:
        print(f"pip-audit did not run to a report (exit {ran.returncode}):\n{ran.stderr[-2000:]}")
        return 1
    status, lines = verdict(report)
    print("\n".join(lines))
    return status


def verdict(report: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit status and what to print, from pip-audit's JSON report."""
    dependencies = report["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    lines = [
        f"VULNERABLE {d['name']} {d['version']}: {vuln['id']} "
        f"(fix: {', '.join(vuln.get('fix_versions') or []) or 'no fixed release yet'})"
        for d in vulnerable
        for vuln in d["vulns"]
    ]
    if vulnerable:
        return 1, lines
    if not audited:
        return 0, [
            f"pip-audit: BLOCKED on this machine: none of the {len(skipped)} installed packages "
            "could be audited, because the vulnerability records are out of reach (PyPI's "
            "per-version JSON and OSV). Nothing was checked; run it where PyPI is reachable."
        ]
    lines.append(f"pip-audit: {len(audited)} packages audited, no known vulnerability")
    lines += [f"  not audited: {d['name']}: {d['skip_reason']}" for d in skipped]
    return 0, lines


if __name__ == "__main__":
    raise SystemExit(main())
