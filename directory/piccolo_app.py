"""The Piccolo app of the `directory` package."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="directory",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=table_finder(["directory.tables"], exclude_imported=True),
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
