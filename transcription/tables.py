"""Tables of the `transcription` package (none yet)."""
