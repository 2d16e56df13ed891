"""The organisation's pages: agents, teams, services, users, the audit log and import history."""
