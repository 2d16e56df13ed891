"""What scorecards contribute: marking, the balanced scorecard, calibration, templates and
settings, `qa sample` and the demo's samples and evaluations."""

from qa_app.i18n import _l
from qa_app.packages import NavEntry, Package
from qa_app.tables import STAFF, Role

PACKAGE = Package(
    name="scorecards",
    routes=[
        "scorecards.routes:ROUTES",
        "scorecards.trust_routes:ROUTES",
        "scorecards.outcome_routes:ROUTES",
        "scorecards.template_routes:ROUTES",
        "scorecards.settings_routes:ROUTES",
        "scorecards.dispute_routes:ROUTES",
    ],
    commands=["scorecards.cli:sample", "scorecards.autoscore_cli:autoscore"],
    after_calls=["scorecards.autochecks:after_calls", "scorecards.flag_store:after_calls"],
    cron_jobs=["scorecards.flag_store:CRON_JOBS"],
    navigation=[
        NavEntry(_l("Marking"), "/qa/queue", (Role.admin, Role.qa), 60, section="quality"),
        NavEntry(_l("Scorecards"), "/scorecards/teams", STAFF, 70, section="quality"),
        NavEntry(_l("Calibration"), "/calibration", STAFF, 80, section="quality"),
        NavEntry(_l("Disputes"), "/disputes", STAFF, 82, section="quality"),
        NavEntry(_l("Trust"), "/scorecards/trust", (Role.admin, Role.qa, Role.manager), 85, section="quality"),
        NavEntry(
            _l("What matters"), "/scorecards/outcomes", (Role.admin, Role.qa, Role.manager), 86, section="quality"
        ),
        NavEntry(_l("Templates"), "/scorecards/templates", (Role.admin, Role.manager, Role.qa), 100, section="quality"),
        NavEntry(_l("Settings"), "/scorecards/settings", (Role.admin,), 190, section="admin"),
        NavEntry(_l("My month"), "/scorecards/agents/{agent_id}", (Role.agent,), 200, section="quality"),
    ],
    home=["scorecards.home:to_do"],
    demo="scorecards.demo:load",
    personal_data=["scorecards.privacy:FLAGS"],
)
