"""Tables of the `reports` package (none yet)."""
