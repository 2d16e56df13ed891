"""The Piccolo app of the `transcription` package; its tables arrive with its issue."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="transcription",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
