"""The CI's dependency audit (.ci/audit.py) reads pip-audit's report: a known vulnerability
fails the build, a machine that cannot reach the records says so without failing it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def _audit() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / ".ci" / "audit.py"
    spec = importlib.util.spec_from_file_location("ci_audit", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_known_vulnerability_fails_the_build_and_names_its_fix() -> None:
    report = {
        "dependencies": [
            {"name": "jinja2", "version": "2.10", "vulns": [
                {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": []}
            ]},
            {"name": "httpx", "version": "0.28.1", "vulns": []},
        ],
        "fixes": [],
    }  # fmt: skip
    status, lines = _audit().verdict(report)
    assert status == 1
    assert lines == ["VULNERABLE jinja2 2.10: PYSEC-2019-217 (fix: 2.10.1)"]


def test_clean_packages_pass_and_unaudited_ones_are_named() -> None:
    report = {
        "dependencies": [
            {"name": "httpx", "version": "0.28.1", "vulns": []},
            {"name": "private-pkg", "skip_reason": "Dependency not found on PyPI"},
        ],
        "fixes": [],
    }
    status, lines = _audit().verdict(report)
    assert status == 0
    assert lines == [
        "pip-audit: 1 packages audited, no known vulnerability",
        "  not audited: private-pkg: Dependency not found on PyPI",
    ]


def test_no_reachable_records_is_reported_as_blocked_not_as_clean() -> None:
    report = {
        "dependencies": [
            {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"}
            for name in ("fastapi", "jinja2")
        ],
        "fixes": [],
    }
    status, [line] = _audit().verdict(report)
    assert status == 0
    assert line.startswith("pip-audit: BLOCKED on this machine: none of the 2 installed packages")
    assert "no known vulnerability" not in line
