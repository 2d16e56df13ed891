"""What the case register contributes: its pages, the case panel of the call page, Open311
GeoReport v2, `qa cases` and the demo register."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import EVERYONE

PACKAGE = Package(
    name="cases",
    routes=["cases.routes:ROUTES", "cases.open311:ROUTES"],
    commands=["cases.cli:cases_group"],
    navigation=[NavEntry(_l("Cases"), "/cases", EVERYONE, 20, section="calls")],
    call_panels=["/calls/{call_id}/cases"],
    demo="cases.demo:load",
    personal_data=["cases.privacy:CASES"],
)
