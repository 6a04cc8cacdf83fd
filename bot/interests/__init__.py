"""Members' interests, used to introduce members and to find helpers; store and service."""
