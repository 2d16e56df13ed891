"""Cases record the Open311 app that posted them, and staff can publish a case on Open311 with a
text of their own (public, public_description): nothing else is public any more."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class ApiClient(Table, tablename="api_client", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-02T06:00:37:309621"
VERSION = "1.38.0"
DESCRIPTION = "Open311 publishes only what residents posted or staff published"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="cases", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Case",
        tablename="case",
        column_name="api_client",
        db_column_name="api_client",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": ApiClient,
            "on_delete": OnDelete.set_null,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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

    manager.add_column(
        table_class_name="Case",
        tablename="case",
        column_name="public",
        db_column_name="public",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
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

    manager.add_column(
        table_class_name="Case",
        tablename="case",
        column_name="public_description",
        db_column_name="public_description",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
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
