"""Domain errors that views and the API turn into a clear message and the right status
(the API's mapping is api/errors.py; the pages' is core/web.py). Every app raises these, so
they live on the ground floor."""

from django.core.exceptions import PermissionDenied, ValidationError


class InvalidTransition(Exception):
    """The object is not in a state from which this step is possible (HTTP 409)."""


class StaleUpdate(InvalidTransition):
    """Someone saved the object after the version the client edited (HTTP 409)."""


__all__ = ["InvalidTransition", "PermissionDenied", "StaleUpdate", "ValidationError"]
