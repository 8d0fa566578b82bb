"""Schemathesis against the live schema: every operation of /api/schema.json, with generated
valid and invalid input, as an anonymous client, a city practitioner and a broker. It passes
when no answer is a server error and every answer matches what the schema documents (status
code, content type, body and headers).

The data: the reference taxonomy, two member cities with practices in every review state, a
request and a proposed exchange, so that generated identifiers and slugs sometimes exist.
Examples per operation: FUZZ_EXAMPLES (25 by default; more for a deeper run).
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import BROKER, user_grant_staff_role
from api.tokens import token_create
from tests.factories import (
    CityFactory,
    ExchangeFactory,
    ExchangeRequestFactory,
    MembershipFactory,
    PracticeFactory,
    UserFactory,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@pytest.fixture
def _keep_test_connection():
    """Requests go through the real WSGI handler, which closes the database connection when a
    request ends; the test's transaction lives on that connection (Django's test client
    does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(db, settings, _keep_test_connection):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # the database backend: fuzzing tests the API, not ES
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    lyon = CityFactory(name="Lyon", slug="lyon")
    dakar = CityFactory(name="Dakar", slug="dakar")
    practitioner = MembershipFactory(city=lyon, role="practitioner").user
    official = MembershipFactory(city=dakar, role="official").user
    broker = user_grant_staff_role(user=UserFactory(), role=BROKER)
    for state in ("draft", "submitted", "published", "archived"):
        PracticeFactory(city=lyon, review_state=state, created_by=practitioner)
    PracticeFactory(city=dakar, review_state="published")
    request = ExchangeRequestFactory(
        city=dakar,
        created_by=official,
        need="We want quieter streets around the schools of the centre.",
        challenges=["sustainability"],
        taken=True,
        broker=broker,
    )
    ExchangeFactory(match__request=request, match__peer_city=lyon, match__score=0.9)

    def bearer(user):
        return {"Authorization": f"Bearer {token_create(user=user, name='fuzz')[1]}"}

    return {"anonymous": {}, "practitioner": bearer(practitioner), "broker": bearer(broker)}


def _operations():
    """Every operation of the live schema, fetched through the application itself."""
    from django.core.wsgi import get_wsgi_application

    schema = schemathesis.openapi.from_wsgi("/api/schema.json", get_wsgi_application())
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_as_documented(fuzz_headers, mode):
    operations = _operations()
    assert len(operations) >= 40  # the whole API, not a part of it
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            for headers in fuzz_headers.values():
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            # Nothing can be invalid about some operations (a GET without parameters).
            assert mode == GenerationMode.NEGATIVE, operation.label
