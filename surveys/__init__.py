"""Post-call surveys and mystery-email audits (issue 4)."""
