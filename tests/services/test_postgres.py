import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_suite_runs_on_postgresql():
    """`make test` runs every database test on PostgreSQL; this proves it is the real server."""
    assert connection.vendor == "postgresql", (
        "The suite is not on PostgreSQL: set DATABASE_URL (make test does)."
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('server_version_num')::int")
        version, number = cursor.fetchone()
    assert version.startswith("PostgreSQL")
    assert number >= 130000
