"""The Piccolo app of the shell."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="qa_app",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=table_finder(["qa_app.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
