"""Coaching plans, sessions and the agent portal (issue 5)."""
