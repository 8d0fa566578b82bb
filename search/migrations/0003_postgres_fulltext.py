"""On PostgreSQL, a stored tsvector of every practice text with a GIN index, for the database
search backend (title weight A, summary B, body C, `simple` configuration so every language is
treated alike). Other databases do without: the backend falls back to substring matching."""

from django.db import migrations

SECTIONS = ["context", "objectives", "implementation", "results", "lessons_learned", "transferability"]
BODY = " || ' ' || ".join(f"coalesce({name}, '')" for name in SECTIONS)

ADD = f"""
ALTER TABLE practices_practice_translation ADD COLUMN IF NOT EXISTS search_vector tsvector
GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('simple'::regconfig, coalesce(summary, '')), 'B')
    || setweight(to_tsvector('simple'::regconfig, {BODY}), 'C')
) STORED;
CREATE INDEX IF NOT EXISTS practice_translation_search_vector
    ON practices_practice_translation USING GIN (search_vector);
"""
DROP = """
DROP INDEX IF EXISTS practice_translation_search_vector;
ALTER TABLE practices_practice_translation DROP COLUMN IF EXISTS search_vector;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_lock"), ("practices", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
