"""What the shell contributes: sign-in, the start page, calls and their import, notifications; the
organisation's pages are organisation/. Its commands sit on the `qa` group itself (qa_app/cli.py)."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import EVERYONE

PACKAGE = Package(
    name="qa_app",
    routes=[
        "qa_app.routes.session:ROUTES",
        "qa_app.routes.pages:ROUTES",
        "qa_app.routes.calls:ROUTES",
        "qa_app.routes.health:ROUTES",
        "qa_app.routes.notifications:ROUTES",
    ],
    jobs=["qa_app.jobs:purge_expired_sessions"],
    cron_jobs=["qa_app.jobs:CRON_JOBS"],
    navigation=[
        NavEntry(_l("Home"), "/", EVERYONE, 0, section="home"),
        NavEntry(_l("Calls"), "/calls", EVERYONE, 10, agent_label=_l("My calls"), section="calls"),
    ],
)
