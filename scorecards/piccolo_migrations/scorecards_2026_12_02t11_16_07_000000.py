"""One automatic answer per call and criterion, one flag per call and kind: unique indexes that
Piccolo's column options cannot express, and the index the month's figures read by."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T11:16:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes of automatic checks and call flags"

INDEXES = (
    'CREATE UNIQUE INDEX IF NOT EXISTS auto_check_call_criterion ON "auto_check" ("call", "criterion")',
    'CREATE INDEX IF NOT EXISTS auto_check_month_agent ON "auto_check" ("month", "agent", "criterion")',
    'CREATE UNIQUE INDEX IF NOT EXISTS call_flag_call_kind ON "call_flag" ("call", "kind")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecards", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for ddl in INDEXES:
            await engine.run_ddl(ddl)

    manager.add_raw(create_indexes)
    return manager
