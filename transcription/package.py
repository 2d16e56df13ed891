"""What transcription contributes: the transcript panel of the call page, corrections and the
accuracy page, `qa transcribe`, the queued transcription job and the demo recordings; search across
every transcript (the page, saved searches, `qa search`) and its index, kept up to date after calls."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import EVERYONE, Role

PACKAGE = Package(
    name="transcription",
    routes=["transcription.routes:ROUTES", "transcription.search_routes:ROUTES"],
    commands=["transcription.cli:transcribe", "transcription.search_cli:search"],
    jobs=["transcription.batch:transcribe_job"],
    cron_jobs=["transcription.schedule:CRON_JOBS"],
    after_calls=["transcription.schedule:after_calls", "transcription.search:index_calls"],
    navigation=[
        NavEntry(_l("Search"), "/search", EVERYONE, 15, section="calls"),
        NavEntry(
            _l("Transcripts"), "/transcription/accuracy", (Role.admin, Role.manager, Role.qa), 140, section="quality"
        ),
    ],
    call_panels=["/calls/{call_id}/transcript"],
    demo="transcription.demo_recordings:load",
    personal_data=["transcription.privacy:CALL_AUDIO"],
)
