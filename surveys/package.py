"""What post-call surveys contribute: the resident's page, the phone system's API, the figures
and versions pages, `qa surveys`, the voice-comment job for `qa worker` and its catch-up every 10
minutes, the wait for a voice comment in transcription when the app stops, and the demo answers."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import STAFF

PACKAGE = Package(
    name="surveys",
    routes=["surveys.routes:ROUTES", "surveys.pages:ROUTES"],
    commands=["surveys.cli:surveys"],
    jobs=["surveys.voice:transcribe_voice_job"],
    cron_jobs=["surveys.voice:CRON_JOBS"],
    on_shutdown=["surveys.voice:on_shutdown"],
    navigation=[NavEntry(_l("Surveys"), "/surveys", STAFF, 120, section="residents")],
    demo="surveys.demo:load",
    personal_data=["surveys.privacy:SURVEYS"],
)
