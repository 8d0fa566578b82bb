"""One rule for pages: how a refusal from a service reaches the user (core.web)."""

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import InvalidTransition, StaleUpdate
from core.web import attempt


@pytest.fixture
def request_(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _raise(exc):
    def do():
        raise exc

    return do


@pytest.mark.parametrize(
    ("do", "level", "text", "ok"),
    [
        (lambda: None, constants.SUCCESS, "Done.", True),
        (
            _raise(InvalidTransition("Someone was quicker.")),
            constants.WARNING,
            "Someone was quicker.",
            False,
        ),
        (_raise(StaleUpdate("Reload it.")), constants.WARNING, "Reload it.", False),
        (
            _raise(ValidationError({"note": ["Say why."], "when": ["Give a date."]})),
            constants.ERROR,
            "Say why. Give a date.",
            False,
        ),
    ],
)
def test_attempt_reports_how_it_went(request_, do, level, text, ok):
    assert attempt(request_, do, success="Done.") is ok
    assert [(m.level, m.message) for m in get_messages(request_)] == [(level, text)]


def test_a_refusal_is_not_swallowed(request_):
    with pytest.raises(PermissionDenied):
        attempt(request_, _raise(PermissionDenied("No.")), success="Done.")
    assert list(get_messages(request_)) == []
