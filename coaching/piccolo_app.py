"""The Piccolo app of the `coaching` package."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from coaching.tables import Action, CoachingPlan, CoachingSession, Goal

APP_CONFIG = AppConfig(
    app_name="coaching",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[CoachingPlan, Goal, Action, CoachingSession],
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
