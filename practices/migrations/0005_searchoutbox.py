"""The search outbox moves here from the search app (search 0004 lets go of it).

State only: the table `search_searchoutbox` and its rows stay exactly where they are, so a
deploy needs no lock on it and no copy, and workers still running the previous release keep
writing to the same table while the new one starts. Renaming it to `practices_searchoutbox`
would buy only a tidier name for that lock and that ordering constraint, so the model keeps
`db_table = "search_searchoutbox"`.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0004_practice_updated_index"),
        # The table is created there, on a fresh database, before this model claims it.
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchOutbox",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("practice_id", models.BigIntegerField(db_index=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"db_table": "search_searchoutbox", "ordering": ["id"]},
                ),
            ],
            database_operations=[],
        ),
    ]
