"""Liveness with the database in use: for load balancers and `docker compose`."""

from __future__ import annotations

from litestar import get
from litestar.response import Response
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from qa_app import db
from qa_app.tables import User


@get("/health", tags=["system"], summary="Liveness and the database in use")
async def health() -> Response[dict]:
    engine = db.current_engine()
    kind = "sqlite" if db.is_sqlite(engine) else "postgresql"
    try:
        await User.count()
    except Exception as error:  # the point of a health check is to report, not raise
        return Response(
            {"status": "error", "database": kind, "reason": type(error).__name__},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
        )
    return Response({"status": "ok", "database": kind})


ROUTES = [health]
