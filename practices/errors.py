"""Domain errors that views and the API turn into a clear message and the right status."""

from django.core.exceptions import PermissionDenied, ValidationError


class InvalidTransition(Exception):
    """The practice is not in a state from which this step is possible (HTTP 409)."""


class StaleUpdate(InvalidTransition):
    """Someone saved the practice after the version the client edited (HTTP 409)."""


__all__ = ["InvalidTransition", "PermissionDenied", "StaleUpdate", "ValidationError"]
