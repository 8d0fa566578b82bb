"""Numbers beyond a column's range match nothing, in every surface that takes a list of ids
(issue 14, item 10: `?sdg=9223372036854775808` gave a 500 on SQLite)."""

import pytest

from practices.models import Sdg

pytestmark = pytest.mark.django_db

HUGE = [2**63, 10**20, -(2**63) - 1]


def test_in_with_numbers_beyond_the_range_matches_nothing_else():
    assert list(Sdg.objects.filter(pk__in=HUGE)) == []
    assert [s.pk for s in Sdg.objects.filter(pk__in=[*HUGE, 5])] == [5]
    assert [s.pk for s in Sdg.objects.filter(number__in=["99999999999999999999", 5])] == [5]


@pytest.mark.parametrize("value", [str(v) for v in HUGE])
def test_api_filter_answers_400_or_nothing_not_500(client, value):
    response = client.get("/api/v1/practices/", {"sdg": value})
    assert response.status_code == 400, response.content
    assert "sdg" in response.json()["errors"]
    response = client.get("/api/v1/practices/", {"sdg": ["5", value]})
    assert response.status_code == 400
