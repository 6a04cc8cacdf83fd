"""A member's own data: see it, export it, delete it, stop or restart tracking; store and service."""
