"""Hearth's pure engine: no Discord, SQL or scheduler imports (a test enforces this)."""
