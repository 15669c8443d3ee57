"""create_app(): the API under /api, the error handlers, the docs and the frontend at /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import fastapi_offline
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.staticfiles import StaticFiles

from app.admin.router import router as admin_router
from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.auth.throttle import make_throttle
from app.challenges.form_router import router as form_router
from app.challenges.people_router import router as people_router
from app.challenges.router import router as challenges_router
from app.challenges.translation_router import router as translation_router
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.errors import install_error_handlers
from app.core.middleware import AdmissionMiddleware, SecurityMiddleware
from app.core.ratelimit import make_rate_limiter
from app.core.security import PasswordHasher
from app.entries.attachments import router as attachments_router
from app.entries.import_router import router as import_router
from app.entries.router import router as entries_router
from app.exports.router import router as exports_router
from app.files.storage import make_storage
from app.files.sweep import sweep_orphans
from app.health.router import router as health_router
from app.judging.panel_router import router as panel_router
from app.judging.router import router as judging_router
from app.judging.scoring_router import router as scoring_router
from app.mail.router import router as mail_router
from app.mail.sender import BackgroundSender
from app.notifications.router import router as notifications_router
from app.results.router import router as results_router
from app.stats.router import router as stats_router
from app.voting.router import router as voting_router
from app.web.static import FrontendSite

FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend"
# Swagger UI 5 (it reads OpenAPI 3.1), served from the installed package, not a CDN.
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"

log = logging.getLogger("opencall")

DESCRIPTION = """
OpenCall runs crowdsourcing challenge contests for health: open calls, entries, independent
judging, public voting and published results.

**Authentication.** Browsers use the `opencall_session` cookie set by `/api/auth/login`;
scripts send the returned token as `Authorization: Bearer <token>`. Cookie-authenticated
writes must come from OpenCall's own origin.

**Errors** always have the shape `{"error": {"code", "message", "field", "details", "request_id"}}`.

**Lists** take `limit` (1–200) and `cursor` (the previous page's `next_cursor`).
"""

DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenCall API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs-init.js"></script></body></html>"""

DOCS_INIT_JS = """window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui',
  deepLinking: true, presets: [SwaggerUIBundle.presets.apis]});"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(
            sweep_orphans, engine, make_storage(settings), settings.upload_orphan_grace_seconds
        )
        sender = None
        if settings.mail_sender_in_app:
            sender = BackgroundSender(engine, settings)
            sender.start()
        app.state.mail_sender = sender
        try:
            yield
        finally:
            if sender is not None:
                sender.stop()
            engine.dispose()

    app = FastAPI(
        title="OpenCall",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.hasher = PasswordHasher(settings)
    app.state.throttle = make_throttle(settings)
    app.state.rate_limiter = make_rate_limiter(settings)
    app.state.mail_sender = None

    not_found_page = FRONTEND_DIR / "404.html"
    install_error_handlers(app, str(not_found_page) if not_found_page.exists() else None)

    app.include_router(health_router)
    # Voting first: a vote is the busiest request a contest sees, and the router tries
    # routes in order (no path here is shadowed by another router's).
    app.include_router(voting_router)
    app.include_router(auth_router)
    app.include_router(challenges_router)
    app.include_router(people_router)
    app.include_router(form_router)
    app.include_router(translation_router)
    app.include_router(entries_router)
    app.include_router(import_router)
    app.include_router(attachments_router)
    app.include_router(audit_router)
    app.include_router(judging_router)
    app.include_router(panel_router)
    app.include_router(scoring_router)
    app.include_router(results_router)
    app.include_router(exports_router)
    app.include_router(stats_router)
    app.include_router(mail_router)
    app.include_router(notifications_router)
    app.include_router(admin_router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    @app.get("/docs-init.js", include_in_schema=False)
    def docs_init() -> PlainTextResponse:
        return PlainTextResponse(DOCS_INIT_JS, media_type="text/javascript")

    app.mount("/docs-assets", StaticFiles(directory=SWAGGER_DIR), name="docs-assets")
    if FRONTEND_DIR.is_dir():
        # The frontend answers whatever no route matched, so a wrong method on an API path
        # still gets its 405 and an unknown API path its JSON 404. Its files are read and
        # compressed here, once; the security headers still wrap every answer.
        app.state.frontend = FrontendSite(FRONTEND_DIR)
        app.router.default = app.state.frontend

    if settings.cors_origins:
        # Credentials are never combined with a wildcard origin.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials="*" not in settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(SecurityMiddleware, settings=settings)
    # Outermost: requests waiting at the gate hold no thread and no connection.
    app.add_middleware(AdmissionMiddleware, limit=settings.db_pool_size + settings.db_max_overflow)
    return app
