"""Tables of the `coaching` package (none yet)."""
