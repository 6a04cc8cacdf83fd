"""Questions as members and moderators act on them: open lists, resolve, mark an answer, track; store and service."""
