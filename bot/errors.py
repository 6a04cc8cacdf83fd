"""Errors a service raises for a member to read (bad input, not allowed, not found).

The app-command error handler turns these into ephemeral replies; nothing was changed
when one is raised.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An expected refusal whose message is safe to show to the member who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(UserFacingError):
    """An argument was out of range or malformed."""


class NotAllowed(UserFacingError):
    """The member may not do this (for example resolve someone else's question)."""


class NotFound(UserFacingError):
    """The thing named does not exist (in this server)."""


__all__ = ["InvalidInput", "NotAllowed", "NotFound", "UserFacingError"]
