"""Domain exceptions raised by services and translated to HTTP at the edge."""
from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses, with a message a user can act on."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class NotFound(ServiceError):
    """The record does not exist or the viewer may not know it exists (answered as 404)."""


class ProblemsFound(ServiceError):
    """Content that breaks its rules in several places; `problems` says where and why (nothing saved)."""

    def __init__(self, what: str, problems: list):
        n = len(problems)
        super().__init__(f"The {what} was not saved: {n} thing{'s' if n != 1 else ''} to fix.")
        self.problems = problems
