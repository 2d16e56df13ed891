"""The Piccolo app of the shell."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from qa_app.tables import (
    Agent,
    ApiClient,
    Attendance,
    AuditLog,
    Call,
    Department,
    ImportRun,
    Notification,
    NotificationSetting,
    Service,
    Team,
    User,
    WebSession,
)

APP_CONFIG = AppConfig(
    app_name="qa_app",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        User,
        Department,
        Service,
        Team,
        Agent,
        Call,
        Attendance,
        ImportRun,
        AuditLog,
        WebSession,
        Notification,
        NotificationSetting,
        ApiClient,
    ],
    migration_dependencies=[],
    commands=[],
)
