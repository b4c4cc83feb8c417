"""Errors of the coordination loop. Each carries a Chinese message for the person at the board.

``str(error)`` is English for logs; ``error.zh`` says in Chinese what went wrong and what to do.
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base class: the action was not carried out."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


class PermissionDenied(WorkflowError):
    """The signed-in user's role or unit does not allow this action on this case."""


class IllegalTransition(WorkflowError):
    """The action does not apply to a case in its current state."""


class Conflict(WorkflowError):
    """Someone else changed the case first; reload and try again."""


class CalendarNotCovered(WorkflowError):
    """The official holiday calendar for a year is not known, so working days cannot be counted."""


class ProfileError(WorkflowError):
    """A deadline profile file is missing a row or has a value that cannot be used."""


class AuthenticationFailed(WorkflowError):
    """Wrong user name or password, or the account is disabled."""


class NotificationConfigError(WorkflowError):
    """The county's notifications file is missing or has an entry that cannot be used."""


class TemplateError(WorkflowError):
    """A reply template uses a placeholder we cannot fill, or a templates file cannot be used."""
