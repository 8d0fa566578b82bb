"""On PostgreSQL, full-text search in English, French and Spanish with accents folded (issue 13),
instead of the `simple` configuration of 0003, which found neither "transports" for
"transport" nor "mobilité" for "mobilite".

- `unaccent` (postgresql-contrib, in Debian's postgresql package) is a trusted extension since
  PostgreSQL 13: the database owner (the migrating role, see scripts/postgres.sh) may create it
  without being superuser.
- Three text search configurations, `pt_english`, `pt_french`, `pt_spanish`: copies of the
  built-in ones whose words go through `unaccent` before the language's stemmer, so "mobilité"
  and "mobilite" give one lexeme, and plurals share their singular's stem.
- Every language version is indexed with all three configurations: a query is matched against
  each (the backend ORs the three parsed queries), so an English query finds the English words
  of a French page ("transport") and a French query stems French words wherever they are. The
  vector is about three times larger than with `simple`; 0003's GIN index is rebuilt over it.
"""

from django.db import migrations

SECTIONS = ["context", "objectives", "implementation", "results", "lessons_learned", "transferability"]
BODY = " || ' ' || ".join(f"coalesce({name}, '')" for name in SECTIONS)
CONFIGS = {"pt_english": "english", "pt_french": "french", "pt_spanish": "spanish"}


def _vector(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}'::regconfig, coalesce(title, '')), 'A')"
        f" || setweight(to_tsvector('{config}'::regconfig, coalesce(summary, '')), 'B')"
        f" || setweight(to_tsvector('{config}'::regconfig, {BODY}), 'C')"
    )


def _configs() -> str:
    out = ["CREATE EXTENSION IF NOT EXISTS unaccent;"]
    for name, base in CONFIGS.items():
        out.append(
            f"""
DROP TEXT SEARCH CONFIGURATION IF EXISTS {name} CASCADE;
CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base});
ALTER TEXT SEARCH CONFIGURATION {name}
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {base}_stem;"""
        )
    return "\n".join(out)


def _column(expression: str) -> str:
    return f"""
DROP INDEX IF EXISTS practice_translation_search_vector;
ALTER TABLE practices_practice_translation DROP COLUMN IF EXISTS search_vector;
ALTER TABLE practices_practice_translation ADD COLUMN search_vector tsvector
GENERATED ALWAYS AS ({expression}) STORED;
CREATE INDEX practice_translation_search_vector
    ON practices_practice_translation USING GIN (search_vector);
"""


SIMPLE = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, coalesce(summary, '')), 'B')"
    f" || setweight(to_tsvector('simple'::regconfig, {BODY}), 'C')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_configs())
        schema_editor.execute(_column(" || ".join(f"({_vector(c)})" for c in CONFIGS)))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_column(SIMPLE))
        for name in CONFIGS:
            schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_outbox_to_practices"), ("practices", "0006_translation_embedding")]

    operations = [migrations.RunPython(forwards, backwards)]
