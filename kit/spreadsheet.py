"""A cell of a CSV or XLSX export that a spreadsheet will not run (OWASP "CSV Injection").

Every export passes each cell through `safe_cell`: text starting with `=`, `+`, `-`, `@`, a tab
or a carriage return gets a leading single quote, so a resident's `=HYPERLINK(...)` is shown, not
run; the control characters openpyxl refuses (all below 0x20 except tab, newline and carriage
return) are removed first, so one of them in a comment cannot break an XLSX. Numbers are not
text: they pass unchanged, negative ones included."""

from __future__ import annotations

import re
from typing import Any

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as an export writes it: text neutralised, anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = CONTROL_CHARACTERS.sub("", value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
