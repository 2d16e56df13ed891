"""What reports contribute: the reports page with its downloads and `qa report`."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import STAFF

PACKAGE = Package(
    name="reports",
    routes=["reports.routes:ROUTES"],
    commands=["reports.cli:report"],
    navigation=[NavEntry(_l("Reports"), "/reports", STAFF, 150, section="reports")],
)
