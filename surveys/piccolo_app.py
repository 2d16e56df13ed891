"""The Piccolo app of the `surveys` package."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from surveys.tables import SurveyInvitation, SurveyResponse, SurveyTemplate

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[SurveyTemplate, SurveyInvitation, SurveyResponse],
    migration_dependencies=["qa_app.piccolo_app"],
    commands=[],
)
