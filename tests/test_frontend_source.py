"""The frontend's source keeps what entrants write inert, without a browser: no inline script,
style or event handler that the Content-Security-Policy would have to allow, and no HTML
built from strings in the JavaScript except the few uses listed below with their reason. The
headers the app sends keep script-src and style-src free of 'unsafe-inline' and 'unsafe-eval'
(the API documentation page alone may use inline styles, which Swagger UI sets)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
PAGES = sorted(FRONTEND.glob("*.html"))
SCRIPTS = sorted((FRONTEND / "js").rglob("*.js"))

# Every use of a risky sink in frontend/js, as (file, the line's code, stripped) → why it is
# safe. A new use fails the test until it is listed here with its reason; a listed use that
# has gone fails too, so the list stays the truth.
ALLOWED_SINKS: dict[tuple[str, str], str] = {
    (
        "challenge-edit.js",
        "if (challenge.description_html) preview.innerHTML = challenge.description_html;",
    ): "description_html is the server's Markdown rendering, sanitised with nh3 when saved",
    (
        "challenge.js",
        "description.innerHTML = challenge.description_html ?? '';",
    ): "description_html is the server's Markdown rendering, sanitised with nh3 when saved",
    (
        "broadcasts.js",
        "byId('preview-frame').srcdoc = result.html;",
    ): "the server's autoescaped mail template with its nh3-sanitised Markdown, shown in an "
    "<iframe sandbox> (no scripts, an opaque origin), never parsed into the page",
}

SINKS = {
    "innerHTML": re.compile(r"\binnerHTML\b"),
    "outerHTML": re.compile(r"\bouterHTML\b"),
    "insertAdjacentHTML": re.compile(r"\binsertAdjacentHTML\b"),
    "document.write": re.compile(r"\bdocument\s*\.\s*write(ln)?\b"),
    "eval": re.compile(r"(?<![\w.$])eval\s*\("),
    "new Function": re.compile(r"\bnew\s+Function\s*\("),
    "string timer": re.compile(r"\bset(Timeout|Interval)\s*\(\s*['\"`]"),
    "createContextualFragment": re.compile(r"\bcreateContextualFragment\b"),
    "srcdoc": re.compile(r"\bsrcdoc\b"),
    "style attribute": re.compile(r"setAttribute(NS)?\s*\(\s*(null\s*,\s*)?['\"`]style['\"`]"),
    "style text": re.compile(r"\.style\s*\.\s*cssText\s*\+?="),
    "style property": re.compile(r"\.style\s*=(?!=)"),
    "event attribute": re.compile(r"setAttribute(NS)?\s*\(\s*(null\s*,\s*)?['\"`]on", re.I),
}

BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
# A // comment starts a line or follows a space; "https://" inside a string does neither.
LINE_COMMENT = re.compile(r"(^|\s)//.*$")


def _code_lines(source: str) -> list[str]:
    """The script's lines without its comments (a comment may name a sink it warns against);
    block comments are blanked line for line so the numbering stays."""
    source = BLOCK_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    return [LINE_COMMENT.sub("", line) for line in source.splitlines()]


def _sink_uses() -> list[tuple[str, int, str, str]]:
    """(file, line number, sink, the line's code) for every sink in frontend/js."""
    uses = []
    for script in SCRIPTS:
        name = script.relative_to(FRONTEND / "js").as_posix()
        for number, line in enumerate(_code_lines(script.read_text(encoding="utf-8")), 1):
            for sink, pattern in SINKS.items():
                if pattern.search(line):
                    uses.append((name, number, sink, line.strip()))
    return uses


def test_every_html_sink_in_the_scripts_is_listed_with_its_reason() -> None:
    uses = _sink_uses()
    unlisted = [
        f"{name}:{number}: {sink}: {code}"
        for name, number, sink, code in uses
        if (name, code) not in ALLOWED_SINKS
    ]
    assert unlisted == [], (
        "Untrusted text goes in with textContent; HTML only from the server's sanitiser, "
        "listed in ALLOWED_SINKS with the reason:\n" + "\n".join(unlisted)
    )
    used = Counter((name, code) for name, _, _, code in uses)
    stale = [key for key in ALLOWED_SINKS if used[key] == 0]
    assert stale == [], f"listed in ALLOWED_SINKS but no longer in the code: {stale}"


def test_the_sink_scan_finds_what_it_looks_for() -> None:
    """The patterns catch the forms they are meant for, and skip comments and look-alikes."""
    hostile = """
el.innerHTML = entry.title;
el.insertAdjacentHTML('beforeend', x);
document.write(x);
window.eval(x); eval (x);
const f = new Function('return 1');
setTimeout("go()", 10);
node.setAttribute('style', 'color: red');
node.style.cssText = 'color: red';
node.setAttribute("onclick", "go()");
"""
    found = [
        sink
        for line in _code_lines(hostile)
        for sink, pattern in SINKS.items()
        if pattern.search(line)
    ]
    assert found == [
        "innerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval",
        "new Function",
        "string timer",
        "style attribute",
        "style text",
        "event attribute",
    ]
    harmless = """
// never innerHTML: entrants write this text
/* eval( is not used
   and neither is outerHTML */
const link = 'https://example.org/innerHTMLess';
const evaluation = evaluate(x); node.style.color = 'red'; if (a.style === b) go();
"""
    assert [
        (line, sink)
        for line in _code_lines(harmless)
        for sink, pattern in SINKS.items()
        if pattern.search(line)
    ] == []


class _InlineFinder(HTMLParser):
    """What a page carries inline that a strict CSP would block (or have to allow)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag == "style":
            self.problems.append(f"line {line}: a <style> element")
        if tag == "script":
            self._in_script = True
        named = dict(attrs)
        if tag == "iframe" and (
            "sandbox" not in named or "allow-scripts" in (named["sandbox"] or "")
        ):
            self.problems.append(f"line {line}: an <iframe> without a script-free sandbox")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"line {line}: <{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"line {line}: <{tag} style=…>")
            # Browsers skip whitespace and control characters before the scheme.
            squeezed = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"line {line}: <{tag} {name}={value!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"line {self.getpos()[0]}: an inline <script> with content")


def _inline_problems(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def test_there_are_pages_and_scripts_to_check() -> None:
    assert len(PAGES) > 30 and len(SCRIPTS) > 30


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_has_no_inline_script_style_or_handler(page: Path) -> None:
    assert _inline_problems(page.read_text(encoding="utf-8")) == []


def test_the_page_check_finds_what_it_looks_for() -> None:
    html = """<!doctype html><html><head><style>p{}</style>
<script type="module" src="/js/a.js"></script><script>alert(1)</script></head>
<body onload="go()"><p style="color:red">x</p><a href=" JaVa\tscript:go()">y</a>
<img src="/a.png" alt=""><iframe sandbox></iframe><iframe sandbox="allow-scripts"></iframe>
</body></html>"""
    assert _inline_problems(html) == [
        "line 1: a <style> element",
        "line 2: an inline <script> with content",
        "line 3: <body onload=…> event handler",
        "line 3: <p style=…>",
        "line 3: <a href=' JaVa\\tscript:go()'>",
        "line 4: an <iframe> without a script-free sandbox",
    ]


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {words[0].lower(): [w.lower() for w in words[1:]] for words in parts}


UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:"}


def test_the_frontend_pages_are_served_with_a_strict_policy(app: FastAPI) -> None:
    with TestClient(app) as client:
        paths = ["/", *(f"/{page.name}" for page in PAGES), "/no-such-page.html"]
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 404), path
            assert "text/html" in response.headers["content-type"], path
            policy = _directives(response.headers["content-security-policy"])
            assert policy["script-src"] == ["'self'"], path
            # The page's own stylesheets, inlined by the server, are allowed by hash alone.
            inline = [
                "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
                for css in re.findall(r"<style>(.*?)</style>", response.text, flags=re.DOTALL)
            ]
            assert inline, path
            assert policy["style-src"] == ["'self'", *(h.lower() for h in inline)], path
            assert policy["object-src"] == ["'none'"], path
            assert policy["base-uri"] == ["'none'"], path
            assert UNSAFE.isdisjoint(policy["default-src"]), path


def test_only_the_api_documentation_may_use_inline_styles(app: FastAPI) -> None:
    with TestClient(app) as client:
        policy = _directives(client.get("/docs").headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
