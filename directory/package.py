"""What sign-in through the organisation's directory contributes: the OpenID Connect sign-in and
its callback, LDAP behind the login form (directory/sign_in.py, which the shell's login calls),
the administrator's page of directory accounts and their agent links, and the scheduled check
that ends the access of people the LDAP directory dropped."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import Role

PACKAGE = Package(
    name="directory",
    routes=["directory.routes:ROUTES"],
    cron_jobs=["directory.sync:CRON_JOBS"],
    navigation=[NavEntry(_l("Directory"), "/admin/directory", (Role.admin,), 175, section="admin")],
)
