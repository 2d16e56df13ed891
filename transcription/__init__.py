"""Offline transcription of call recordings (issue 8)."""
