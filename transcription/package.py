"""What transcription contributes: the transcript panel of the call page, corrections and the
accuracy page, `qa transcribe`, the queued transcription job and the demo recordings."""

from qa_app.packages import NavEntry, Package
from qa_app.tables import Role

PACKAGE = Package(
    name="transcription",
    routes=["transcription.routes:ROUTES"],
    commands=["transcription.cli:transcribe"],
    jobs=["transcription.batch:transcribe_job"],
    navigation=[NavEntry("Transcripts", "/transcription/accuracy", (Role.admin, Role.manager, Role.qa), 140)],
    call_panels=["/calls/{call_id}/transcript"],
    demo="transcription.demo_recordings:load",
    personal_data=["transcription.privacy:CALL_AUDIO"],
)
