"""Fixtures of the API tests: one client per role, authenticated with a real personal token
(the same path partners use), for the people of tests/conftest.py."""

import pytest
from rest_framework.test import APIClient

from api.tokens import token_create


@pytest.fixture(autouse=True)
def _media(media_root):
    pass


def _client_for(user=None):
    client = APIClient()
    if user is not None:
        _token, key = token_create(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def client_for():
    """client_for(user): an API client signed in with a personal token; None: anonymous."""
    return _client_for


@pytest.fixture
def clients(people):
    """A client per role of `people`, and "anonymous"."""
    out = {name: _client_for(user) for name, user in people.items()}
    out["anonymous"] = _client_for(None)
    return out
