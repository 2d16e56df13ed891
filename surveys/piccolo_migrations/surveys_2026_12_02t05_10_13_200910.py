"""The phone system's keys join the one API-key model: each `integration` row becomes an
`api_client` row with the scope `surveys` (same name, same key hash, so the phone system's key
keeps working; a name taken by an Open311 app gets " (surveys)" added), then `integration` goes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T05:10:13:200910"
VERSION = "1.38.0"
DESCRIPTION = "Phone-system keys become API keys with the scope surveys"


COPY = """
INSERT INTO api_client (name, key_hash, scope, active, created_at, last_used_at)
SELECT CASE WHEN EXISTS (SELECT 1 FROM api_client c WHERE c.name = i.name)
            THEN i.name || ' (surveys)' ELSE i.name END,
       i.key_hash, 'surveys', i.active, i.created_at, i.last_used_at
FROM integration i
WHERE NOT EXISTS (SELECT 1 FROM api_client c WHERE c.key_hash = i.key_hash)
"""


async def copy_keys():
    await engine_finder().run_ddl(COPY)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="surveys", description=DESCRIPTION
    )
    manager.add_raw(copy_keys)  # raw steps run before the table is dropped

    manager.drop_table(
        class_name="Integration", tablename="integration", schema=None
    )

    return manager
