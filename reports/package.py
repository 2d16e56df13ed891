"""What reports contribute: the reports page with its downloads and `qa report`."""

from qa_app.i18n import _l
from qa_app.packages import HomePanel, NavEntry, Package
from qa_app.tables import STAFF, Role

PACKAGE = Package(
    name="reports",
    routes=["reports.routes:ROUTES", "reports.home:ROUTES"],
    commands=["reports.cli:report"],
    navigation=[NavEntry(_l("Reports"), "/reports", STAFF, 150, section="reports")],
    home_panels=[HomePanel("/reports/home-panel", (Role.admin, Role.manager))],
)
