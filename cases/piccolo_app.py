"""The Piccolo app of the `cases` package."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from cases.tables import Case, CaseEvent, CaseLink

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Case, CaseEvent, CaseLink],
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
