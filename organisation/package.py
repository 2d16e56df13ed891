"""What the organisation's pages contribute: agents, teams and the service catalogue with their
changes, and the administration of users, the audit log and the import history. The tables and
the rules for changing them stay in the shell (qa_app.tables, qa_app.organisation, qa_app.users)."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import STAFF, Role

MANAGERS = (Role.admin, Role.manager)

PACKAGE = Package(
    name="organisation",
    routes=["organisation.routes:ROUTES", "organisation.admin:ROUTES", "organisation.import_routes:ROUTES"],
    navigation=[
        NavEntry(_l("Agents"), "/agents", STAFF, 30, section="people"),
        NavEntry(_l("Teams"), "/teams", STAFF, 40, section="people"),
        NavEntry(_l("Services"), "/services", STAFF, 50, section="admin"),
        NavEntry(_l("Imports"), "/admin/imports", MANAGERS, 160, section="admin"),
        NavEntry(_l("Users"), "/admin/users", (Role.admin,), 170, section="admin"),
        NavEntry(_l("Audit log"), "/admin/audit", (Role.admin,), 180, section="admin"),
        NavEntry(_l("My page"), "/agents/{agent_id}", (Role.agent,), 220, section="people"),
    ],
)
