"""How a page tells the user that a service refused: one rule for every app's views.

A state conflict (InvalidTransition: someone was quicker, a double click, a stale page) is a
warning, invalid input (ValidationError) an error; both are shown as a message on the page the
view redirects to, with nothing changed. PermissionDenied is not caught: it is the 403 page.
(The API's rule is api/errors.py.)"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django_stubs_ext import StrOrPromise

from .errors import InvalidTransition


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def form_error_text(form: forms.BaseForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def attempt(request: HttpRequest, do: Callable[[], object], *, success: StrOrPromise) -> bool:
    """Run a service call for a page and say how it went; True if it succeeded."""
    try:
        do()
    except InvalidTransition as exc:
        messages.warning(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, success)
        return True
    return False
