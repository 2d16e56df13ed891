"""The case register's tables now belong to the `cases` app (cases/piccolo_migrations). The tables
stay where they are, with every row: this migration changes only what Piccolo records as
qa_app's schema (fake=True: nothing is run), and the cases app takes them over in its first
migration the same way.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T05:05:36:217940"
VERSION = "1.38.0"
DESCRIPTION = "Case tables move to the cases package"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="qa_app", description=DESCRIPTION, fake=True
    )

    manager.drop_table(
        class_name="CaseEvent", tablename="case_event", schema=None
    )

    manager.drop_table(class_name="Case", tablename="case", schema=None)

    manager.drop_table(class_name="CaseLink", tablename="case_link", schema=None)

    return manager
