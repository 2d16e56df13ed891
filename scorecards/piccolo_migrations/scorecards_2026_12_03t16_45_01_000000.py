"""One agreed answer per calibration session and criterion: a unique index Piccolo's column
options cannot express."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T16:45:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "one agreed answer per calibration session and criterion"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS calibration_agreement_session_criterion "
    'ON "calibration_agreement" ("session", "criterion")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecards", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for ddl in INDEXES:
            await engine.run_ddl(ddl)

    manager.add_raw(create_indexes)
    return manager
