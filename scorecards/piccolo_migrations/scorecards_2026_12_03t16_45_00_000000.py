"""The answer a calibration session agreed on (calibration_agreement): one per session and
criterion, with the lead's note, recorded once the session is closed. Its unique index is the
next migration's (raw statements run before a migration's tables are made)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Real, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class CalibrationSession(Table, tablename="calibration_session", schema=None):
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


class User(Table, tablename="app_user", schema=None):
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


ID = "2026-12-03T16:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the answers a calibration session agreed on"

UNIQUE = (
    "CREATE UNIQUE INDEX IF NOT EXISTS calibration_agreement_session_criterion "
    'ON "calibration_agreement" ("session", "criterion")'
)


def _params(**extra):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


def _foreign_key(references, on_delete, **extra):
    return _params(references=references, on_delete=on_delete, on_update=OnUpdate.cascade, target_column=None, **extra)


COLUMNS = (
    ("session", "ForeignKey", ForeignKey, _foreign_key(CalibrationSession, OnDelete.cascade, null=True, index=True)),
    ("criterion", "Varchar", Varchar, _params(length=100, default="")),
    ("value", "Real", Real, _params(default=None, null=True)),
    ("na", "Boolean", Boolean, _params(default=False)),
    ("note", "Text", Text, _params(default="")),
    ("decided_by", "ForeignKey", ForeignKey, _foreign_key(User, OnDelete.set_null, null=True)),
    ("decided_at", "Timestamptz", Timestamptz, _params(default=TimestamptzNow())),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scorecards", description=DESCRIPTION)
    manager.add_table(class_name="CalibrationAgreement", tablename="calibration_agreement", schema=None, columns=None)
    for name, class_name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="CalibrationAgreement",
            tablename="calibration_agreement",
            column_name=name,
            db_column_name=name,
            column_class_name=class_name,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
