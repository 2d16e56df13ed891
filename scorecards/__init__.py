"""Scorecards, sampling, marking, calibration and the balanced scorecard (issue 3)."""
