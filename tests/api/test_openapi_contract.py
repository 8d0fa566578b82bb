"""The API's contract with integrators, who generate clients from the OpenAPI schema: its paths
and methods, its operation ids (the generated functions' names) and its component names (the
generated classes' names) must not change unnoticed. `openapi_contract.json` beside this file
is the snapshot; a refactoring must leave it as it is.

A deliberate, backwards-compatible addition updates the snapshot in the same commit:

    DJANGO_DEBUG=1 .venv/bin/python manage.py shell -c \
        "from tests.api.test_openapi_contract import write_snapshot; write_snapshot()"
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.generators import SchemaGenerator

from api.common import add_action
from api.practices.views import PracticeViewSet
from exchanges.workflow import STEPS
from practices.workflow import TRANSITIONS

SNAPSHOT = Path(__file__).with_name("openapi_contract.json")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _schema() -> dict[str, Any]:
    # What `manage.py spectacular` and /api/schema.json serve, post-processing hooks included.
    return SchemaGenerator().get_schema(request=None, public=True)


def contract(schema: dict[str, Any]) -> dict[str, list[str]]:
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    return {
        "paths": sorted(f"{method.upper()} {path}" for path, method, _op in operations),
        "operation_ids": sorted(op["operationId"] for _path, _method, op in operations),
        "components": sorted(schema.get("components", {}).get("schemas", {})),
    }


def write_snapshot() -> None:
    SNAPSHOT.write_text(json.dumps(contract(_schema()), indent=2) + "\n")


def _differences(expected: dict[str, list[str]], actual: dict[str, list[str]]) -> list[str]:
    lines = []
    for key in expected.keys() | actual.keys():
        before, after = set(expected.get(key, [])), set(actual.get(key, []))
        lines += [f"{key}: missing {name}" for name in sorted(before - after)]
        lines += [f"{key}: new {name}" for name in sorted(after - before)]
    return sorted(lines)


def test_operation_ids_are_unique():
    ids = contract(_schema())["operation_ids"]
    assert len(ids) == len(set(ids))


def test_paths_operation_ids_and_component_names_match_the_snapshot():
    expected = json.loads(SNAPSHOT.read_text())
    differences = _differences(expected, contract(_schema()))
    assert not differences, (
        "The API contract changed (integrators' generated clients would break):\n  "
        + "\n  ".join(differences)
        + "\nIf the change is a deliberate addition, update the snapshot: see this module's "
        "docstring."
    )


def test_the_comparison_reports_what_went_missing_and_what_is_new():
    before = {"paths": ["GET /a/", "POST /b/"], "operation_ids": ["a"], "components": ["A"]}
    after = {"paths": ["GET /a/", "POST /c/"], "operation_ids": ["a"], "components": []}
    assert _differences(before, after) == [
        "components: missing A",
        "paths: missing POST /b/",
        "paths: new POST /c/",
    ]


def test_every_review_transition_and_exchange_step_has_its_endpoint():
    """The endpoints are generated from the workflow tables (api/practices, api/exchanges)."""
    paths = contract(_schema())["paths"]
    for name in TRANSITIONS:
        assert f"POST /api/v1/practices/{{id}}/{name.replace('_', '-')}/" in paths
    for name in STEPS:
        assert f"POST /api/v1/exchanges/{{id}}/{name.replace('_', '-')}/" in paths


def test_a_generated_endpoint_cannot_hide_a_viewset_method():
    with pytest.raises(ImproperlyConfigured, match="list"):
        add_action(PracticeViewSet, "list", lambda self, request, pk: None)
    with pytest.raises(ImproperlyConfigured, match="submit"):
        add_action(PracticeViewSet, "submit", lambda self, request, pk: None)
