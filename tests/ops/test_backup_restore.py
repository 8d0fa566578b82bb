"""`make backup` / `make restore` (scripts/backup.sh, scripts/restore.sh) on real PostgreSQL
and Elasticsearch: back up, wipe the database and the files, restore, and find every practice,
translation, file (byte for byte) and exchange back, with an index rebuilt from the database
that `search_check` finds clean.

The scripts replace a whole database, so they never touch the one pytest-django made: the test
creates a database of its own on the same server, with its own media folder and index prefix,
and fills it from another process (tests/ops/restore_data.py), as an operator's server would be.
Nothing it does is seen by tests running beside it under pytest-xdist."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest

from tests.support import ROOT, service_url

pytestmark = [pytest.mark.postgres, pytest.mark.elasticsearch]


def _admin_url(url: str, database: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{database}"))


@pytest.fixture
def scratch(tmp_path: Path):
    """A database, media folder and index prefix of the test's own, dropped afterwards."""
    name = f"ops_restore_{uuid.uuid4().hex[:10]}"
    server = service_url("postgres")
    home = _admin_url(server, urlparse(server).path.lstrip("/") or "postgres")
    with psycopg.connect(home, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    prefix = f"test-{name.replace('_', '-')}"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DJANGO_READ_DOT_ENV": "0",
        "DATABASE_URL": _admin_url(server, name),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "ELASTICSEARCH_URL": service_url("elasticsearch"),
        "ELASTICSEARCH_INDEX_PREFIX": prefix,
        "CELERY_BROKER_URL": "",
        "BACKUP_DIR": str(tmp_path / "backups"),
        "PYTHON": sys.executable,
    }
    try:
        yield env
    finally:
        with psycopg.connect(home, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        from elasticsearch import Elasticsearch

        with Elasticsearch(env["ELASTICSEARCH_URL"]) as es:
            es.options(ignore_status=404).indices.delete(index=f"{prefix}-*")


def run(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def manage(env: dict[str, str], *args: str) -> str:
    return run(env, sys.executable, "manage.py", *args)


def snapshot(env: dict[str, str]) -> dict:
    return json.loads(run(env, sys.executable, "-m", "tests.ops.restore_data", "snapshot"))


def test_backup_wipe_restore_brings_everything_back(scratch, tmp_path):
    env = scratch
    manage(env, "migrate", "--noinput")
    run(env, sys.executable, "-m", "tests.ops.restore_data", "seed")
    manage(env, "search_rebuild")
    before = snapshot(env)
    assert len(before["practices"]) == 6
    assert all(set(p["texts"]) == {"en", "fr", "es"} for p in before["practices"].values())
    assert len(before["attachments"]) == 12
    assert len(before["exchanges"]) == 2 and before["events"]

    folder = Path(run(env, "scripts/backup.sh").strip().splitlines()[-1])
    assert folder.parent == tmp_path / "backups"
    assert sorted(p.name for p in folder.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "info.txt",
        "media.tar.gz",
    ]

    # The bad day: the database's tables, every file and the index are gone.
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    media = Path(env["DJANGO_MEDIA_ROOT"])
    subprocess.run(["rm", "-rf", str(media)], check=True)
    from elasticsearch import Elasticsearch

    with Elasticsearch(env["ELASTICSEARCH_URL"]) as es:
        es.indices.delete(index=f"{env['ELASTICSEARCH_INDEX_PREFIX']}-*")

    output = run(env, "scripts/restore.sh", "--yes", str(folder))
    assert "The index matches the database" in output

    assert snapshot(env) == before
    assert "The index matches the database" in manage(env, "search_check")
    # The restored server is backed up the next night, and that backup restores too.
    again = Path(run(env, "scripts/backup.sh").strip().splitlines()[-1])
    run(env, "scripts/restore.sh", "--yes", str(again))
    assert snapshot(env) == before
    # search answers from the rebuilt index: the five published practices, none of the draft
    found = run(env, sys.executable, "-m", "tests.ops.restore_data", "hits")
    assert found.split() == ["5", "ElasticsearchBackend"]


def test_restore_refuses_a_damaged_backup(scratch, tmp_path):
    env = scratch
    folder = tmp_path / "backups" / "20260101T000000Z"
    folder.mkdir(parents=True)
    (folder / "database.dump").write_bytes(b"not a dump")
    (folder / "media.tar.gz").write_bytes(b"")
    (folder / "info.txt").write_text("")
    (folder / "SHA256SUMS").write_text(
        "".join(
            f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n"
            for n in ("database.dump", "media.tar.gz", "info.txt")
        )
    )
    (folder / "database.dump").write_bytes(b"not a dump either")
    done = subprocess.run(
        ["scripts/restore.sh", "--yes"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "damaged" in done.stderr
