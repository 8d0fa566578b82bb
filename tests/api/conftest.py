"""Fixtures of the API tests: one client per role, authenticated with a real personal token
(the same path partners use), plus the practice fixtures of tests/practices."""

import pytest
from rest_framework.test import APIClient

from api.tokens import token_create
from tests.practices.conftest import (  # noqa: F401
    _media,
    city,
    make_practice,
    other_city,
    people,
)
from tests.search.conftest import (  # noqa: F401
    _fresh_labels,
    backend_name,
    es_settings,
    sync_index,
)


def client_for(user=None):
    client = APIClient()
    if user is not None:
        _token, key = token_create(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def clients(people):  # noqa: F811
    """A client per role of tests/practices' `people`, and "anonymous"."""
    out = {name: client_for(user) for name, user in people.items()}
    out["anonymous"] = client_for(None)
    return out
