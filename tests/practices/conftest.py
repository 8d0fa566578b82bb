"""The practice tests use tests/conftest.py's `city`, `other_city`, `people` and
`make_practice`."""

import pytest


@pytest.fixture(autouse=True)
def _media(media_root):
    pass
