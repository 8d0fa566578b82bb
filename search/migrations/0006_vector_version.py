"""On PostgreSQL, a counter that every write to the stored sentence vectors bumps, so that the
database backend knows in one row read whether the vector matrix it holds in memory is current
(search/backends/database.py, `_VectorCache`). Checksumming the vectors' hashes instead scans
the whole translation table: 60-70 ms a query at 10,000 practices (benchmarks/
semantic_database.py), where reading this row costs well under a millisecond.

The counter is a row updated in the writer's transaction, not a sequence alone: a sequence
moves before the write commits, so a reader could store the new number with the old vectors
and never look again. The row takes its values from a sequence, not n + 1: a rolled-back
write must not hand out again a number a reader may have stored with the vectors it saw
inside that transaction (as tests do). A statement-level trigger bumps it once per statement, and only when
vectors may have changed (inserted or deleted rows, updates of the embedding columns)."""

from django.db import migrations

ADD = """
CREATE SEQUENCE IF NOT EXISTS search_vector_version_seq;
CREATE TABLE IF NOT EXISTS search_vector_version (n bigint NOT NULL);
INSERT INTO search_vector_version (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM search_vector_version);
CREATE OR REPLACE FUNCTION search_vector_version_bump() RETURNS trigger AS $$
BEGIN
    UPDATE search_vector_version SET n = nextval('search_vector_version_seq');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS search_vector_version_bump ON practices_practice_translation;
CREATE TRIGGER search_vector_version_bump
    AFTER INSERT OR DELETE OR UPDATE OF embedding, embedding_hash
    ON practices_practice_translation
    FOR EACH STATEMENT EXECUTE FUNCTION search_vector_version_bump();
"""
DROP = """
DROP TRIGGER IF EXISTS search_vector_version_bump ON practices_practice_translation;
DROP FUNCTION IF EXISTS search_vector_version_bump();
DROP TABLE IF EXISTS search_vector_version;
DROP SEQUENCE IF EXISTS search_vector_version_seq;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_multilingual_fulltext")]

    operations = [migrations.RunPython(forwards, backwards)]
