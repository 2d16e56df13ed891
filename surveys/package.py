"""What post-call surveys contribute: the resident's page, the phone system's API, the figures
and versions pages, `qa surveys`, the voice-comment job for `qa worker` and the demo answers."""

from qa_app.packages import NavEntry, Package
from qa_app.tables import STAFF

PACKAGE = Package(
    name="surveys",
    routes=["surveys.routes:ROUTES", "surveys.pages:ROUTES"],
    commands=["surveys.cli:surveys"],
    jobs=["surveys.voice:transcribe_voice_job"],
    navigation=[NavEntry("Surveys", "/surveys", STAFF, 120)],
    demo="surveys.demo:load",
    personal_data=["surveys.privacy:SURVEYS"],
)
