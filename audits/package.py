"""What mystery-email audits contribute: the campaign pages, `qa audits` and the demo campaigns."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import Role

PACKAGE = Package(
    name="audits",
    routes=["audits.routes:ROUTES"],
    commands=["audits.cli:audits"],
    navigation=[
        NavEntry(_l("Mystery emails"), "/audits", (Role.admin, Role.manager, Role.qa), 130, section="residents")
    ],
    demo="audits.demo:load",
    personal_data=["audits.privacy:REPLIES"],
)
