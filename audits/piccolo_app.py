"""The Piccolo app of the `audits` package."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from audits.tables import AuditCampaign, AuditGrade, AuditReply, AuditScenario

APP_CONFIG = AppConfig(
    app_name="audits",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AuditCampaign, AuditScenario, AuditReply, AuditGrade],
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
