"""Fixtures of the exchanges tests; the search fixtures are shared with tests/search."""

from tests.search.conftest import (  # noqa: F401
    _fresh_labels,
    backend_name,
    es_settings,
    sync_index,
)
