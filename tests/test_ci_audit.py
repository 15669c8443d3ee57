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


def test_packages_pypi_did_not_answer_for_are_audited_from_their_latest_document() -> None:
    """Behind a mirror that serves only each package's latest document: a package installed at
    its latest release is audited from that document's records (a withdrawn record does not
    count); one behind it stays unaudited, saying why; one PyPI has no document for keeps
    pip-audit's reason."""
    report = {
        "dependencies": [
            {"name": "Jinja2", "skip_reason": "Dependency not found on PyPI: jinja2 (3.1.6)"},
            {"name": "httpx", "skip_reason": "Dependency not found on PyPI: httpx (0.28.1)"},
            {"name": "redis", "skip_reason": "Dependency not found on PyPI: redis (6.4.0)"},
            {"name": "private-pkg", "skip_reason": "Dependency not found on PyPI"},
        ],
        "fixes": [],
    }
    documents = {
        "Jinja2": ("3.1.6", [
            {"id": "GHSA-xxxx", "fixed_in": ["3.1.7"], "aliases": ["CVE-2099-1"], "withdrawn": None},
            {"id": "GHSA-gone", "fixed_in": [], "aliases": [], "withdrawn": "2026-01-01T00:00:00"},
        ]),
        "httpx": ("0.28.1", []),
        "redis": ("8.1.0", []),
        "private-pkg": None,
    }  # fmt: skip
    versions = {"jinja2": "3.1.6", "httpx": "0.28.1", "redis": "6.4.0", "private-pkg": "1.0"}
    audit = _audit()
    filled = audit.from_latest_documents(report, versions, documents.__getitem__)
    status, lines = audit.verdict(filled)
    assert status == 1
    assert lines == ["VULNERABLE Jinja2 3.1.6: GHSA-xxxx (fix: 3.1.7)"]

    del documents["Jinja2"]
    report["dependencies"].pop(0)
    status, lines = audit.verdict(audit.from_latest_documents(report, versions, documents.get))
    assert status == 0
    assert lines == [
        "pip-audit: 1 packages audited, no known vulnerability",
        "  not audited: redis: installed 6.4.0, latest release 8.1.0: "
        "PyPI here answers only for the latest release",
        "  not audited: private-pkg: Dependency not found on PyPI",
    ]
