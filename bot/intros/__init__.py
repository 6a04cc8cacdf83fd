"""Introductions: the pool, grouping members who share interests, rounds, follow-ups and outcomes; rules, store and service."""
