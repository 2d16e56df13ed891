"""What reports contribute: the reports page with its downloads and `qa report`."""

from qa_app.packages import NavEntry, Package
from qa_app.tables import STAFF

PACKAGE = Package(
    name="reports",
    routes=["reports.routes:ROUTES"],
    commands=["reports.cli:report"],
    navigation=[NavEntry("Reports", "/reports", STAFF, 150)],
)
