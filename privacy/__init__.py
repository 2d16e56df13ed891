"""Residents' data rights across the packages: what is held about a caller, its export and erasure, and retention."""
