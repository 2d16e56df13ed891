"""Indexes Piccolo's column options cannot express: the call list's keyset pagination
(newest first, filtered by agent, queue or outcome) and one attendance row per agent and day."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes"

INDEXES = (
    'CREATE INDEX IF NOT EXISTS call_agent_offered ON "call" ("agent", "offered_at", "id")',
    'CREATE INDEX IF NOT EXISTS call_offered_id ON "call" ("offered_at", "id")',
    'CREATE INDEX IF NOT EXISTS call_queue_offered ON "call" ("queue", "offered_at", "id")',
    'CREATE INDEX IF NOT EXISTS call_disposition_offered ON "call" ("disposition", "offered_at", "id")',
    'CREATE UNIQUE INDEX IF NOT EXISTS attendance_agent_day ON "attendance" ("agent", "day")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="qa_app", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for ddl in INDEXES:
            await engine.run_ddl(ddl)

    manager.add_raw(create_indexes)
    return manager
