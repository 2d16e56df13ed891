"""The Piccolo app of the `scorecards` package."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from scorecards.tables import (
    Assignment,
    CalibrationMarker,
    CalibrationSession,
    Dispute,
    Evaluation,
    EvaluationAnswer,
    EvaluationEvent,
    Sample,
    ScorecardSettings,
    ScorecardTemplate,
)

APP_CONFIG = AppConfig(
    app_name="scorecards",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        ScorecardTemplate,
        Sample,
        Assignment,
        CalibrationSession,
        CalibrationMarker,
        Evaluation,
        EvaluationAnswer,
        EvaluationEvent,
        Dispute,
        ScorecardSettings,
    ],
    migration_dependencies=["qa_app.piccolo_app", "transcription.piccolo_app"],
    commands=[],
)
