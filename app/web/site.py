"""The frontend as the server holds it: every file under frontend/ read once, its text
compressed once, the pages' asset URLs rewritten under a version prefix.

The site version is a short hash over every file's path and content, so any change to any
file gives every asset a new URL and browsers may keep the old ones for a year without
ever using a stale copy. Rewriting happens only in what the browser reads as URLs:

- HTML: ``href``/``src``/``poster`` attributes naming an asset (``/css/app.css``,
  ``/js/home.js``, ``/favicon.svg``), never a page (``/login.html`` stays as it is, pages
  are revalidated on every visit);
- JS: string literals that start with an asset's absolute URL or with a directory holding
  only assets: import specifiers (``from '/js/api.js'``) and URLs built at run time
  (``fetch(`/i18n/${id}.json`)`` becomes ``fetch(`/v/<version>/i18n/${id}.json`)``);
- CSS: absolute ``url(/…)`` and ``@import '/…'``.

Relative imports (``./api.js``) and relative ``url()``s need nothing: they resolve inside
the prefix of the file that names them.

Pages' stylesheets are put inline, as ``<style>`` elements: on a slow network each
stylesheet is one more round trip before anything can be painted (two seconds on "slow 3G"),
while the site's whole CSS is a few kB compressed. The page's Content-Security-Policy then
allows exactly those styles by their SHA-256 (``Asset.csp``), still no ``'unsafe-inline'``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import mimetypes
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.core.middleware import CSP

VERSION_PREFIX = "v"  # /v/<version>/<path>; no file of the frontend may live under v/
VERSION_LENGTH = 12

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
COMPRESSIBLE = frozenset({".html", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".webmanifest"})

_HTML_URL = re.compile(r"""(\b(?:href|src|poster)\s*=\s*)(["'])(/[^"'/][^"']*)\2""")
_STYLESHEET = re.compile(r"""<link rel="stylesheet" href="/([^"]+\.css)">""")
_CSS_URL = re.compile(r"""(url\(\s*|@import\s+)(["']?)(/[^"')\s/][^"')\s]*)\2""")


@dataclass(frozen=True)
class Asset:
    """One file as served: its bytes, their gzip (when it is smaller), and both ETags."""

    path: str  # relative to frontend/, with forward slashes: "css/app.css"
    media_type: str
    body: bytes
    gzipped: bytes | None
    etag: str
    gzip_etag: str
    # A page with inline styles: its Content-Security-Policy, naming them by their hashes.
    csp: str | None = None

    @property
    def is_page(self) -> bool:
        return self.path.endswith(".html")


@dataclass(frozen=True)
class Site:
    version: str
    assets: Mapping[str, Asset]

    def versioned(self, path: str) -> str:
        """The immutable URL of an asset (a path relative to frontend/)."""
        return f"/{VERSION_PREFIX}/{self.version}/{path}"


def media_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def _rewriter(
    pattern: re.Pattern[str], version: str, targets: frozenset[str]
) -> Callable[[str], str]:
    def replace(match: re.Match[str]) -> str:
        url = match.group(3)
        path = re.split(r"[?#]", url, maxsplit=1)[0].removeprefix("/")
        if path not in targets:
            return match.group(0)
        prefix, quote = match.group(1), match.group(2)
        return f"{prefix}{quote}/{VERSION_PREFIX}/{version}{url}{quote}"

    return lambda text: pattern.sub(replace, text)


def _js_rewriter(version: str, paths: frozenset[str]) -> Callable[[str], str]:
    """Version the string literals (quoted or template) that begin with an asset's URL, or
    with a top-level directory that holds assets and no page."""
    top_assets = {p for p in paths if "/" not in p and not p.endswith(".html")}
    page_dirs = {p.split("/", 1)[0] for p in paths if "/" in p and p.endswith(".html")}
    asset_dirs = {p.split("/", 1)[0] for p in paths if "/" in p} - page_dirs
    alternatives = [re.escape(d) + "/" for d in sorted(asset_dirs)]
    alternatives += [re.escape(f) + "[\"'`]" for f in sorted(top_assets)]
    if not alternatives:
        return lambda text: text
    starts = "|".join(alternatives)
    literal = re.compile(r"""(["'`])/(?=""" + starts + ")")
    return lambda text: literal.sub(rf"\1/{VERSION_PREFIX}/{version}/", text)


def _inline_styles(html: str, styles: Mapping[str, str]) -> tuple[str, list[str]]:
    """The page with each of its stylesheets (a path in `styles`) inline, and the CSP
    sources of those inline styles."""
    hashes: list[str] = []

    def inline(match: re.Match[str]) -> str:
        css = styles.get(match.group(1))
        if css is None or "</" in css:
            return match.group(0)
        digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
        return f"<style>{css}</style>"

    return _STYLESHEET.sub(inline, html), hashes


def page_csp(style_hashes: list[str]) -> str:
    """The site's Content-Security-Policy with these inline styles allowed by hash."""
    return CSP.replace("style-src 'self'", "style-src 'self' " + " ".join(style_hashes))


def _as_asset(path: str, body: bytes, csp: str | None = None) -> Asset:
    digest = hashlib.sha256(body).hexdigest()[:20]
    gzipped = None
    if Path(path).suffix.lower() in COMPRESSIBLE:
        packed = gzip.compress(body, compresslevel=9, mtime=0)  # mtime 0: same bytes every start
        gzipped = packed if len(packed) < len(body) else None
    return Asset(
        path=path,
        media_type=media_type(path),
        body=body,
        gzipped=gzipped,
        etag=f'"{digest}"',
        gzip_etag=f'"{digest}-gz"',
        csp=csp,
    )


def build_site(files: Mapping[str, bytes]) -> Site:
    """The site for these files (path relative to frontend/ → content)."""
    if any(p.split("/", 1)[0] == VERSION_PREFIX for p in files):
        raise ValueError(f"frontend/{VERSION_PREFIX}/ is reserved for versioned asset URLs")
    digest = hashlib.sha256()
    for path in sorted(files):
        body = files[path]
        # Length-prefixed, so no two different sets of files hash the same bytes.
        for part in (path.encode(), body):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    version = digest.hexdigest()[:VERSION_LENGTH]

    targets = frozenset(p for p in files if not p.endswith(".html"))
    in_js = _js_rewriter(version, frozenset(files))
    rewrite = {
        ".html": _rewriter(_HTML_URL, version, targets),
        ".js": in_js,
        ".mjs": in_js,
        ".css": _rewriter(_CSS_URL, version, targets),
    }
    styles = {
        p: rewrite[".css"](body.decode("utf-8")) for p, body in files.items() if p.endswith(".css")
    }
    assets = {}
    for path, body in files.items():
        change = rewrite.get(Path(path).suffix.lower())
        csp = None
        if change is not None:
            text = body.decode("utf-8")
            if path.endswith(".html"):
                text, hashes = _inline_styles(text, styles)
                csp = page_csp(hashes) if hashes else None
            body = change(text).encode("utf-8")
        assets[path] = _as_asset(path, body, csp)
    return Site(version=version, assets=assets)


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    # Dot-files (.gitkeep, an editor's swap file) are not part of the site.
    files = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )
    return tuple(
        (p.relative_to(directory).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files
    )


@lru_cache(maxsize=4)
def _load(directory: Path, signature: tuple[tuple[str, int, int], ...]) -> Site:
    return build_site({path: (directory / path).read_bytes() for path, _, _ in signature})


def load_site(directory: Path) -> Site:
    """Read and prepare every file under `directory`.

    Several apps made in one process (the test suite makes one per test) share the result
    while no file's size or modification time has changed; a changed file is read anew.
    """
    directory = directory.resolve()
    return _load(directory, _signature(directory))
