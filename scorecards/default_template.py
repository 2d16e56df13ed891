"""The municipal scorecard the product ships with, built from the seed criteria: time to
answer, call length, issue resolved or case number given, greeting and name, courtesy,
accurate information, data-protection check, closing."""

from __future__ import annotations

DEFAULT_TEMPLATE_KEY = "municipal"
DEFAULT_TEMPLATE_NAME = "Municipal contact centre"

DEFAULT_DEFINITION = {
    # A data-protection failure voids the whole call; the others zero their own group.
    "critical_effect": {"customer": "group", "business": "group", "compliance": "evaluation"},
    "sections": [
        {
            "code": "access",
            "title": "Accessibility",
            "criteria": [
                {
                    "code": "time_to_answer",
                    "title": "Time to answer",
                    "guidance": "Answered within a minute (Stockholm aims at 85% of calls within 60 seconds).",
                    "weight": 1,
                    "kind": "call_data",
                    "na_allowed": False,
                    "error_group": "none",
                    "rule": {"measure": "wait_seconds", "max": 60},
                },
                {
                    "code": "call_length",
                    "title": "Call length",
                    "guidance": "Long enough to help properly, short enough not to keep the next resident waiting "
                    "(30 seconds to 15 minutes).",
                    "weight": 1,
                    "kind": "call_data",
                    "na_allowed": False,
                    "error_group": "none",
                    "rule": {"measure": "talk_seconds", "min": 30, "max": 900},
                },
            ],
        },
        {
            "code": "resolution",
            "title": "Resolution",
            "criteria": [
                {
                    "code": "resolved",
                    "title": "Issue resolved or case number given",
                    "guidance": "The resident's question is answered in this call, or a case is logged and its "
                    "number read out so they can follow it up.",
                    "weight": 3,
                    "kind": "yes_no",
                    "na_allowed": False,
                    "error_group": "customer",
                },
                {
                    "code": "accurate",
                    "title": "Accurate information",
                    "guidance": "What the agent says matches the knowledge base and the council's rules; nothing "
                    "is promised that the department cannot deliver.",
                    "weight": 3,
                    "kind": "yes_no",
                    "na_allowed": False,
                    "error_group": "business",
                },
            ],
        },
        {
            "code": "service",
            "title": "Service",
            "criteria": [
                {
                    "code": "greeting",
                    "title": "Greeting and name",
                    "guidance": "Greets the resident, names the council and gives their own name in the first "
                    '20 seconds. The automatic check listens for the name ("my name is", "you\'re speaking to"): '
                    'a "good morning" without a name does not pass.',
                    "weight": 1,
                    "kind": "transcript",
                    "na_allowed": False,
                    "error_group": "none",
                    "rule": {
                        "phrases": ["my name is", "you're speaking to", "you are speaking to", "speaking with"],
                        "present": True,
                        "within": "first",
                        "seconds": 20,
                    },
                },
                {
                    "code": "courtesy",
                    "title": "Courtesy",
                    "guidance": "0 rude or dismissive, 1 curt, 2 correct but cold, 3 friendly and patient, "
                    "4 warm, patient and in plain words throughout.",
                    "weight": 2,
                    "kind": "scale",
                    "scale_max": 4,
                    "pass_from": 3,
                    "na_allowed": False,
                    "error_group": "none",
                },
                {
                    "code": "closing",
                    "title": "Closing",
                    "guidance": "Checks whether there is anything else and closes politely in the last 30 seconds.",
                    "weight": 1,
                    "kind": "transcript",
                    "na_allowed": False,
                    "error_group": "none",
                    "rule": {
                        "phrases": [
                            "anything else",
                            "thank you for calling",
                            "thanks for calling",
                            "have a nice day",
                            "have a good day",
                        ],
                        "present": True,
                        "within": "last",
                        "seconds": 30,
                    },
                },
            ],
        },
        {
            "code": "compliance",
            "title": "Compliance",
            "criteria": [
                {
                    "code": "data_protection",
                    "title": "Data-protection check",
                    "guidance": "Before discussing a resident's own account or case, checks identity (for example "
                    "name, address and date of birth) and asks for no more personal data than needed. N/A when no "
                    "personal data was discussed.",
                    "weight": 2,
                    "kind": "yes_no",
                    "na_allowed": True,
                    "error_group": "compliance",
                },
            ],
        },
    ],
}
