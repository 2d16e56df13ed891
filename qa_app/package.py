"""What the shell contributes: sign-in, the organisation, calls and their import, users, the audit
log and notifications. Its commands sit on the `qa` group itself (qa_app/cli.py)."""

from qa_app.packages import NavEntry, Package
from qa_app.tables import EVERYONE, STAFF, Role

MANAGERS = (Role.admin, Role.manager)

PACKAGE = Package(
    name="qa_app",
    routes=[
        "qa_app.routes.session:ROUTES",
        "qa_app.routes.pages:ROUTES",
        "qa_app.routes.calls:ROUTES",
        "qa_app.routes.admin:ROUTES",
        "qa_app.routes.health:ROUTES",
        "qa_app.routes.notifications:ROUTES",
    ],
    jobs=["qa_app.jobs:purge_expired_sessions"],
    cron_jobs=["qa_app.jobs:CRON_JOBS"],
    navigation=[
        NavEntry("Home", "/", EVERYONE, 0),
        NavEntry("Calls", "/calls", EVERYONE, 10, agent_label="My calls"),
        NavEntry("Agents", "/agents", STAFF, 30),
        NavEntry("Teams", "/teams", STAFF, 40),
        NavEntry("Services", "/services", STAFF, 50),
        NavEntry("Imports", "/admin/imports", MANAGERS, 160),
        NavEntry("Users", "/admin/users", (Role.admin,), 170),
        NavEntry("Audit log", "/admin/audit", (Role.admin,), 180),
        NavEntry("My page", "/agents/{agent_id}", (Role.agent,), 220),
    ],
)
