"""Members: upserts, opt-out and who counts as staff; store and service."""
