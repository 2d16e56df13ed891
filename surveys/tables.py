"""Tables of the `surveys` package (none yet)."""
