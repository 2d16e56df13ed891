"""Tables of the `scorecards` package (none yet)."""
