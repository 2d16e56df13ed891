"""axe-core in Chromium: the serious and critical violations of the page as it is now."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

RULES = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}


def serious_violations(page, state: str) -> list[str]:
    """One line per serious or critical violation, naming `state` (what the page shows)."""
    results = Axe().run(page, options=RULES)
    assert len(results.response["passes"]) > 10  # axe really ran its rules on this page
    return [
        f"{state}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
