"""Monthly PDF reports, agent scorecards and exports (issue 6)."""
