"""The mystery-email tables now belong to the `audits` app (audits/piccolo_migrations). The tables
stay where they are, with every row: this migration changes only what Piccolo records as
surveys' schema (fake=True: nothing is run), and the audits app takes them over in its first
migration the same way.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T05:05:36:929677"
VERSION = "1.38.0"
DESCRIPTION = "Audit tables move to the audits package"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="surveys", description=DESCRIPTION, fake=True
    )

    manager.drop_table(
        class_name="AuditReply", tablename="audit_reply", schema=None
    )

    manager.drop_table(
        class_name="AuditGrade", tablename="audit_grade", schema=None
    )

    manager.drop_table(
        class_name="AuditCampaign", tablename="audit_campaign", schema=None
    )

    manager.drop_table(
        class_name="AuditScenario", tablename="audit_scenario", schema=None
    )

    return manager
