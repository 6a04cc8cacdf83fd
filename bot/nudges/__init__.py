"""Helper nudges: the ladder for open questions, choosing helpers, the Still-need-help re-listing; rules, store and service."""
