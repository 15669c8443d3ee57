"""pip-audit on the packages installed in .venv, which are what the suite has just tested.

Fails when any installed package has a known vulnerability (each is printed with its fix).
pip-audit asks PyPI's per-version JSON (or OSV) for the vulnerability records. Behind a
registry mirror that serves only each package's latest document, every package comes back
"not found". Then this script reads that latest document itself: its `vulnerabilities` are
PyPI's records for the latest release, the same records pip-audit reads, so a package
installed at its latest release is audited all the same. A package behind its latest
release (held back by another package's cap or by this Python) cannot be audited there; the
script names it and why, and never counts it as clean. When nothing at all could be audited,
it says BLOCKED and does not fail the build: that is the machine's reach, not the project's
state.

    .venv/bin/python .ci/audit.py
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

LATEST = "https://pypi.org/pypi/{name}/json"
# The latest release's version and its vulnerability records, or None when PyPI has no
# document for the package (a local package) or cannot be reached.
Latest = tuple[str, list[dict[str, Any]]] | None


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
    status, lines = verdict(from_latest_documents(report, installed_versions(), fetch_latest))
    print("\n".join(lines))
    return status


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions() -> dict[str, str]:
    """The version of every package installed beside this interpreter, by canonical name."""
    return {canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}


def fetch_latest(name: str) -> Latest:
    """PyPI's latest document for one package: (latest version, its vulnerability records)."""
    try:
        with urllib.request.urlopen(LATEST.format(name=name), timeout=30) as answer:  # noqa: S310
            document = json.load(answer)
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None
    return document["info"]["version"], document.get("vulnerabilities") or []


def from_latest_documents(
    report: dict[str, Any], versions: dict[str, str], fetch: Callable[[str], Latest]
) -> dict[str, Any]:
    """pip-audit's report with each package it could not audit audited from PyPI's latest
    document where the installed version is the latest release; the others keep a skip
    reason that says why."""
    names = [
        d["name"]
        for d in report["dependencies"]
        if "skip_reason" in d and canonical(d["name"]) in versions
    ]
    with ThreadPoolExecutor(max_workers=16) as pool:
        latest = dict(zip(names, pool.map(fetch, names), strict=True))
    dependencies = []
    for dependency in report["dependencies"]:
        found = latest.get(dependency["name"])
        version = versions.get(canonical(dependency["name"]))
        if found is None:
            dependencies.append(dependency)
        elif found[0] == version:
            dependencies.append({
                "name": dependency["name"],
                "version": version,
                "vulns": [
                    {"id": record["id"], "fix_versions": record.get("fixed_in") or [],
                     "aliases": record.get("aliases") or []}
                    for record in found[1]
                    if not record.get("withdrawn")
                ],
            })  # fmt: skip
        else:
            dependencies.append({
                "name": dependency["name"],
                "skip_reason": f"installed {version}, latest release {found[0]}: "
                "PyPI here answers only for the latest release",
            })  # fmt: skip
    return {**report, "dependencies": dependencies}


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
