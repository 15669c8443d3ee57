"""The frontend as served: versioned URLs, cache headers, ETags, gzip, the 404 page."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from app.main import FRONTEND_DIR
from app.web.site import load_site
from app.web.static import IMMUTABLE, FrontendSite, accepts_gzip

IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
PAGES = sorted(p.name for p in FRONTEND_DIR.glob("*.html"))
FILES = sorted(
    p.relative_to(FRONTEND_DIR).as_posix()
    for p in FRONTEND_DIR.rglob("*")
    if p.is_file() and not p.name.startswith(".")
)
ABSOLUTE_URL = re.compile(r"""\b(?:href|src)\s*=\s*["'](/[^"']*)["']""")
STYLESHEET = re.compile(rb'<link rel="stylesheet" href="/([^"]+)">')
RELATIVE_IMPORT = re.compile(r"""\b(?:from|import)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""")


def version(client: TestClient) -> str:
    return client.app.state.frontend.site.version


def raw(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    """Status, headers and the bytes on the wire (httpx would undo the gzip)."""
    with client.stream("GET", path, headers=headers) as response:
        body = b"".join(response.iter_raw())
        return response.status_code, dict(response.headers), body


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
        ("*", True),
        ("*;q=0.5, gzip;q=0", False),
        ("GZIP", True),
    ],
)
def test_accept_encoding_decides_gzip(header: str, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


def inlined(page: bytes) -> bytes:
    """A page as served, but for its asset URLs: each stylesheet inline, as it is on disk."""
    return STYLESHEET.sub(
        lambda m: b"<style>" + (FRONTEND_DIR / m.group(1).decode()).read_bytes() + b"</style>",
        page,
    )


def test_every_file_gzipped_and_plain_match_the_file_with_only_its_urls_versioned(
    client: TestClient,
) -> None:
    prefix = f"/v/{version(client)}/".encode()
    for path in FILES:
        on_disk = (FRONTEND_DIR / path).read_bytes()
        url = "/" + path if path.endswith(".html") else f"/v/{version(client)}/{path}"

        status, plain_headers, plain = raw(client, url, IDENTITY)
        assert status == 200, path
        assert "content-encoding" not in plain_headers, path
        assert int(plain_headers["content-length"]) == len(plain), path
        # The server changes nothing but asset URLs, which gain the version prefix, and
        # pages' stylesheets, which it puts inline.
        expected = inlined(on_disk) if path.endswith(".html") else on_disk
        assert plain.replace(prefix, b"/") == expected, path

        status, gz_headers, packed = raw(client, url, GZIP)
        assert status == 200, path
        assert int(gz_headers["content-length"]) == len(packed), path
        if path.endswith((".html", ".css", ".js", ".svg", ".json")):
            assert gz_headers["content-encoding"] == "gzip", path
            assert gz_headers["vary"] == "Accept-Encoding", path
            assert len(packed) < len(plain), path
            assert gzip.decompress(packed) == plain, path
            assert gz_headers["etag"] != plain_headers["etag"], path
        else:
            assert packed == plain, path


def test_content_types(client: TestClient) -> None:
    v = version(client)
    expected = {
        "/": "text/html; charset=utf-8",
        "/login.html": "text/html; charset=utf-8",
        f"/v/{v}/js/api.js": "text/javascript; charset=utf-8",
        f"/v/{v}/css/app.css": "text/css; charset=utf-8",
        f"/v/{v}/favicon.svg": "image/svg+xml",
        "/favicon.svg": "image/svg+xml",
    }
    found = {path: client.get(path).headers["content-type"] for path in expected}
    assert found == expected


def test_versioned_assets_are_immutable_pages_and_plain_urls_revalidate(
    client: TestClient,
) -> None:
    v = version(client)
    versioned = client.get(f"/v/{v}/css/app.css")
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"

    for path in ("/", "/index.html", "/challenges.html", "/css/app.css", "/js/nav.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache", path
        assert re.fullmatch(r'"[0-9a-f]{20}(-gz)?"', response.headers["etag"]), path

    assert client.get("/css/app.css").content == versioned.content


def test_an_older_version_gets_todays_file_without_long_caching(client: TestClient) -> None:
    current = client.get(f"/v/{version(client)}/js/nav.js")
    old = client.get("/v/0123456789ab/js/nav.js")
    assert old.status_code == 200
    assert old.headers["cache-control"] == "no-cache"
    assert old.content == current.content

    missing = client.get("/v/0123456789ab/js/no-such-module.js")
    assert missing.status_code == 404
    assert missing.headers["cache-control"] == "no-cache"


def test_pages_are_never_served_under_a_version(client: TestClient) -> None:
    for path in (f"/v/{version(client)}/index.html", f"/v/{version(client)}/", "/v/"):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 404, path
        assert "immutable" not in response.headers["cache-control"], path


def test_etag_revalidation_answers_304_without_a_body(client: TestClient) -> None:
    for headers in (IDENTITY, GZIP):
        first = client.get("/challenges.html", headers=headers)
        etag = first.headers["etag"]

        again = client.get("/challenges.html", headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "no-cache"

        weak = client.get("/challenges.html", headers={**headers, "If-None-Match": f"W/{etag}"})
        assert weak.status_code == 304

        other = client.get("/challenges.html", headers={**headers, "If-None-Match": '"stale"'})
        assert other.status_code == 200
        assert other.content == first.content

    page_etag = client.get("/challenges.html", headers=IDENTITY).headers["etag"]
    elsewhere = client.get("/login.html", headers={**IDENTITY, "If-None-Match": page_etag})
    assert elsewhere.status_code == 200


def test_head_gives_the_headers_of_get_and_no_body(client: TestClient) -> None:
    for headers in (IDENTITY, GZIP):
        get = client.get(f"/v/{version(client)}/js/api.js", headers=headers)
        head = client.head(f"/v/{version(client)}/js/api.js", headers=headers)
        assert head.status_code == 200
        assert head.content == b""
        for name in ("content-length", "content-type", "etag", "cache-control", "vary"):
            assert head.headers[name] == get.headers[name], name


def test_every_page_names_its_assets_by_versioned_urls_that_answer(client: TestClient) -> None:
    v = version(client)
    checked: dict[str, str] = {}
    for page in PAGES:
        response = client.get(f"/{page}")
        assert response.status_code == 200, page
        for url in ABSOLUTE_URL.findall(response.text):
            path = re.split(r"[?#]", url, maxsplit=1)[0]
            if path.startswith(f"/v/{v}/"):
                if path not in checked:
                    asset = client.get(path)
                    assert asset.status_code == 200, (page, url)
                    checked[path] = asset.headers["cache-control"]
            elif not path.startswith("/api/"):  # a download link to the API, not an asset
                # Anything else left unversioned must be a page link, and the page must exist.
                assert path == "/" or path.endswith(".html"), (page, url)
                assert (FRONTEND_DIR / (path.lstrip("/") or "index.html")).is_file(), (page, url)
    assert f"/v/{v}/favicon.svg" in checked
    assert not any("/css/" in path for path in checked)  # stylesheets come inline
    assert set(checked.values()) == {IMMUTABLE}


def test_every_relative_import_resolves_inside_the_version(client: TestClient) -> None:
    v = version(client)
    modules = sorted(p.name for p in (FRONTEND_DIR / "js").glob("*.js"))
    resolved: set[str] = set()
    for module in modules:
        base = f"http://testserver/v/{v}/js/{module}"
        source = client.get(base).text
        for specifier in RELATIVE_IMPORT.findall(source):
            target = urljoin(base, specifier)
            assert target.startswith(f"http://testserver/v/{v}/"), (module, specifier)
            if target not in resolved:
                response = client.get(target)
                assert response.status_code == 200, (module, specifier)
                assert response.headers["content-type"].startswith("text/javascript")
                resolved.add(target)
    # nav.js and api.js are imported by nearly every page's script.
    assert f"http://testserver/v/{v}/js/nav.js" in resolved
    assert f"http://testserver/v/{v}/js/api.js" in resolved


def test_unknown_paths_get_the_404_page(client: TestClient) -> None:
    not_found_page = client.get("/404.html")
    for path in ("/no-such-page.html", "/css/missing.css", "/login", "/v/x"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.content == not_found_page.content
        assert "etag" not in response.headers


def test_api_paths_never_reach_the_frontend(client: TestClient) -> None:
    response = client.get("/api/unknown", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.headers["cache-control"] == "no-store"

    # A page's form sent natively (before its script took over) comes back to the page.
    again = client.post("/login.html?next=/manage.html", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/login.html?next=/manage.html")
    assert client.put("/index.html").status_code == 405
    assert client.post(f"/v/{version(client)}/js/nav.js").status_code == 405


def test_security_headers_apply_to_pages_assets_and_the_404_page(client: TestClient) -> None:
    for path in ("/", "/login.html", f"/v/{version(client)}/js/nav.js", "/nowhere"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert csp.startswith("default-src 'self'; script-src 'self'"), path
        assert response.headers["x-content-type-options"] == "nosniff", path


def test_urls_are_rewritten_only_where_they_name_assets(tmp_path: Path) -> None:
    files = {
        "index.html": (
            '<link rel="icon" href="/favicon.svg"><link rel="stylesheet" href="/css/a.css">'
            '<script type="module" src="/js/page.js"></script>'
            '<a href="/about.html">About</a> <a href="/">Home</a> <a href="/css/gone.css">x</a>'
            '<img src="//cdn.example.org/favicon.svg"> <a href="https://example.org/js/page.js">'
        ),
        "about.html": "<p>About</p>",
        "favicon.svg": "<svg/>",
        "css/a.css": "body { background: url(/img/dot.svg); } h1 { background: url('/img/dot.svg') }",
        "img/dot.svg": "<svg/>",
        "js/page.js": (
            "import { f } from '/js/lib.js';\nimport './lib.js';\n"
            'const later = () => import("/js/lib.js");\n'
            "const words = (code) => fetch(`/data/${code}.json`);\n"
            "const icon = '/favicon.svg';\n"
            "location.href = '/about.html'; fetch('/api/me'); open('/help/faq.html');\n"
        ),
        "help/faq.html": "<p>FAQ</p>",
        "js/lib.js": "export const f = 1;",
        "data/words.json": '{"hello": "bonjour"}',
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    site = load_site(tmp_path)
    v = site.version
    css = f"body {{ background: url(/v/{v}/img/dot.svg); }} h1 {{ background: url('/v/{v}/img/dot.svg') }}"
    assert site.assets["index.html"].body.decode() == (
        f'<link rel="icon" href="/v/{v}/favicon.svg"><style>{css}</style>'
        f'<script type="module" src="/v/{v}/js/page.js"></script>'
        '<a href="/about.html">About</a> <a href="/">Home</a> <a href="/css/gone.css">x</a>'
        '<img src="//cdn.example.org/favicon.svg"> <a href="https://example.org/js/page.js">'
    )
    assert site.assets["css/a.css"].body.decode() == css
    # The inline style is allowed by its hash, and only the page that holds it carries one.
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}';" in (site.assets["index.html"].csp or "")
    assert site.assets["about.html"].csp is None
    assert site.assets["js/page.js"].body.decode() == (
        f"import {{ f }} from '/v/{v}/js/lib.js';\nimport './lib.js';\n"
        f'const later = () => import("/v/{v}/js/lib.js");\n'
        f"const words = (code) => fetch(`/v/{v}/data/${{code}}.json`);\n"
        f"const icon = '/v/{v}/favicon.svg';\n"
        "location.href = '/about.html'; fetch('/api/me'); open('/help/faq.html');\n"
    )
    assert site.assets["data/words.json"].media_type == "application/json"

    # The bare site, without the app around it (no lifespan, so no `with`).
    response = TestClient(FrontendSite(tmp_path)).get(f"/v/{v}/data/words.json")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "bonjour"}


def test_a_changed_file_changes_the_version_and_old_urls_still_answer(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<script type="module" src="/app.js"></script>')
    (tmp_path / "app.js").write_text("console.log(1);")
    before = FrontendSite(tmp_path)
    (tmp_path / "app.js").write_text("console.log('two');")
    after = FrontendSite(tmp_path)
    assert after.site.version != before.site.version

    client = TestClient(after)
    page = client.get("/").text
    assert page == f'<script type="module" src="/v/{after.site.version}/app.js"></script>'
    old = client.get(f"/v/{before.site.version}/app.js")
    assert (old.status_code, old.headers["cache-control"]) == (200, "no-cache")
    assert old.text == "console.log('two');"
    new = client.get(f"/v/{after.site.version}/app.js")
    assert new.headers["cache-control"] == IMMUTABLE


def test_a_file_under_the_version_prefix_is_refused(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "x.js").write_text("1;")
    with pytest.raises(ValueError, match="reserved"):
        load_site(tmp_path)
