"""The Piccolo app of the `organisation` package: no tables of its own (they are the shell's)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="organisation",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
