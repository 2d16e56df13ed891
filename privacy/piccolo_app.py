"""The Piccolo app of the `privacy` package: no tables of its own (each package keeps its data)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="privacy",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
