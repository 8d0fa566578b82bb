"""The search outbox now belongs to practices (practices 0005 takes it over): the model leaves
this app's state, the table and its rows stay (no database operation). See practices 0005 for
why the table keeps its name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_postgres_fulltext"),
        # practices claims the model first, so the table always has an owner in the state.
        ("practices", "0005_searchoutbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SearchOutbox")],
            database_operations=[],
        ),
    ]
