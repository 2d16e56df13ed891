"""The audit log: who changed what, and when. Every change made through the app's functions
records itself here; later packages (coaching, scorecards) use the same function."""

from __future__ import annotations

from typing import Any

from qa_app.tables import AuditLog


async def record(user_id: int | None, action: str, entity: str, entity_id: Any = "", **detail: Any) -> None:
    """Secrets never go in `detail`: pass what changed, not passwords or tokens."""
    await AuditLog.insert(AuditLog(user=user_id, action=action, entity=entity, entity_id=str(entity_id), detail=detail))
