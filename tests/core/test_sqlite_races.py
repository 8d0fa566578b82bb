"""On the embedded default (SQLite), racing writes queue instead of failing (issue 14, item 10:
concurrent accepts gave "database is locked" 500s).

Runs in a subprocess on a SQLite file of its own, whatever database the suite uses, because the
race needs several connections to one file (the test database of SQLite is in memory). Eight
threads accept the same proposal at once through the service the page calls: one wins, the
others are told the exchange is no longer waiting for an answer; no "database is locked"."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, threading
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import OperationalError, connection
from core.errors import InvalidTransition
from exchanges.models import Exchange
from exchanges.services import exchange_step
from tests.factories import (
    CityFactory, ExchangeFactory, ExchangeRequestFactory, MembershipFactory
)

requester, peer = CityFactory(name="Dakar"), CityFactory(name="Lyon")
official = MembershipFactory(city=peer, role="official").user
asker = MembershipFactory(city=requester, role="official").user
request = ExchangeRequestFactory(city=requester, created_by=asker)
exchange = ExchangeFactory(match__request=request, match__peer_city=peer)
outcomes, barrier = [], threading.Barrier(8)

def accept(n):
    barrier.wait()
    try:
        current = Exchange.objects.get(pk=exchange.pk)
        exchange_step(exchange=current, by=official, name="accept", note=f"yes {n}")
        outcomes.append("accepted")
    except InvalidTransition:
        outcomes.append("refused")
    except OperationalError as exc:
        outcomes.append(f"error: {exc}")
    finally:
        connection.close()

threads = [threading.Thread(target=accept, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
exchange.refresh_from_db()
print(json.dumps({"outcomes": sorted(outcomes), "state": exchange.state}))
"""


def test_eight_simultaneous_accepts_on_sqlite_one_wins_none_fails(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_READ_DOT_ENV": "0",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcomes"] == ["accepted"] + ["refused"] * 7, result
    assert result["state"] == "accepted"
