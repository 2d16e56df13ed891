"""API keys note their last use (they now serve the phone system too, see qa_app/api_keys.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T05:10:11:344890"
VERSION = "1.38.0"
DESCRIPTION = "API keys note their last use"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="qa_app", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="ApiClient",
        tablename="api_client",
        column_name="last_used_at",
        db_column_name="last_used_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
