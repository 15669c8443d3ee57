"""Serving the frontend from memory: versioned assets for a year, pages revalidated on every
visit, gzip when the browser takes it.

- ``/v/<version>/<asset>`` with the current version: ``public, max-age=31536000, immutable``.
  Pages name their assets by these URLs (see app.web.site), so a returning visitor's
  browser asks for none of them until a deploy changes the version.
- ``/v/<older version>/<asset>``: a tab opened before a deploy still asks for its old
  URLs; it gets today's file with ``no-cache``, so nothing stale is kept under that name.
- Pages (``/``, ``/name.html``) and unversioned asset URLs: ``no-cache`` with a strong
  ETag; an unchanged file answers ``304 Not Modified`` with no body.
- Anything else gets the 404 page with status 404; paths under /api never reach this app.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

from app.web.site import VERSION_PREFIX, Asset, Site, load_site

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NOT_FOUND_PAGE = "404.html"


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (``gzip;q=0`` refuses it)."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding.strip().lower()] = weight
    if "gzip" in weights:
        return weights["gzip"] > 0
    return weights.get("*", 0.0) > 0


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: ``W/"x"`` matches ``"x"``."""
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


class FrontendSite:
    """The app's default route: the frontend, read once when the app is made."""

    def __init__(self, directory: Path) -> None:
        self.site: Site = load_site(directory)

    def resolve(self, path: str) -> tuple[Asset | None, str]:
        """The asset a URL path names, and the Cache-Control it is served with."""
        key = path.removeprefix("/")
        assets = self.site.assets
        if key.startswith(f"{VERSION_PREFIX}/"):
            version, _, rest = key.removeprefix(f"{VERSION_PREFIX}/").partition("/")
            asset = assets.get(rest)
            if asset is None or asset.is_page:
                return None, REVALIDATE
            return asset, IMMUTABLE if version == self.site.version else REVALIDATE
        if key == "" or key.endswith("/"):
            key += "index.html"
        return assets.get(key), REVALIDATE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        if scope["path"].startswith("/api"):
            raise HTTPException(404)  # the error handlers answer the API's JSON 404
        asset, cache_control = self.resolve(scope["path"])
        if scope["method"] not in ("GET", "HEAD"):
            if scope["method"] == "POST" and asset is not None and asset.is_page:
                # A form sent by the browser itself, before the page's script took it over
                # (a tap on a slow phone): the page again, not an error.
                query = scope.get("query_string", b"").decode("latin-1")
                location = scope["path"] + (f"?{query}" if query else "")
                await send(
                    {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [(b"location", location.encode()), (b"content-length", b"0")],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        status = 200
        if asset is None:
            asset = self.site.assets.get(NOT_FOUND_PAGE)
            if asset is None:
                raise HTTPException(404)
            status, cache_control = 404, REVALIDATE
        await self._send(asset, status, cache_control, Headers(scope=scope), scope, send)

    async def _send(
        self,
        asset: Asset,
        status: int,
        cache_control: str,
        request: Headers,
        scope: Scope,
        send: Send,
    ) -> None:
        gzipped = asset.gzipped is not None and accepts_gzip(request.get("accept-encoding", ""))
        body, etag = (asset.gzipped, asset.gzip_etag) if gzipped else (asset.body, asset.etag)
        assert body is not None
        headers = [(b"cache-control", cache_control.encode())]
        if asset.csp is not None:  # its inline styles, by hash (the middleware adds the rest)
            headers.append((b"content-security-policy", asset.csp.encode()))
        if asset.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
        if status == 200:
            headers.append((b"etag", etag.encode()))
            if etag_matches(request.get("if-none-match", ""), etag):
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        headers.append((b"content-type", asset.media_type.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        if gzipped:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
