"""What coaching contributes: plans, goals, sessions, the team at a glance and the agent's own
coaching page, with the demo's plans."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import Role

PACKAGE = Package(
    name="coaching",
    routes=["coaching.routes:ROUTES"],
    navigation=[
        NavEntry(_l("Coaching"), "/coaching", (Role.admin, Role.manager, Role.team_leader), 90, section="people"),
        NavEntry(_l("My coaching"), "/coaching/agents/{agent_id}", (Role.agent,), 210, section="people"),
    ],
    home=["coaching.home:to_do"],
    demo="coaching.demo:load",
)
