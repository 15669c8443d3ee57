"""/healthz: is this instance able to serve? Load balancers and the Dockerfile ask it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.core.deps import get_engine

router = APIRouter(tags=["health"])
log = logging.getLogger("opencall.health")


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(request: Request) -> Health | JSONResponse:  # 503 bypasses the model
    """200 with the database's state, or 503 while the database cannot be reached."""
    try:
        with get_engine(request).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unavailable"
        log.warning("health check: database unreachable (%s)", exc.__class__.__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return Health(status="ok", database="ok")
