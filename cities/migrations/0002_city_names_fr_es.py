"""City names in French and Spanish, and the language of a city's description. An
installation that already has its cities gets the curated names (cities/data/names.json) here,
without waiting for the next `load_cities`."""

import json
from pathlib import Path

from django.db import migrations, models


def fill_names(apps, schema_editor):
    City = apps.get_model("cities", "City")
    path = Path(__file__).resolve().parent.parent / "data" / "names.json"
    for row in json.loads(path.read_text(encoding="utf-8")):
        City.objects.filter(geonameid=row["geonameid"]).update(
            name_fr=row.get("fr", ""), name_es=row.get("es", "")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cities', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='city',
            name='description_language',
            field=models.CharField(choices=[('en', 'English'), ('fr', 'Français'), ('es', 'Español')], default='en', max_length=8, verbose_name='language of the description'),
        ),
        migrations.AddField(
            model_name='city',
            name='name_es',
            field=models.CharField(blank=True, max_length=200, verbose_name='name (Spanish)'),
        ),
        migrations.AddField(
            model_name='city',
            name='name_fr',
            field=models.CharField(blank=True, max_length=200, verbose_name='name (French)'),
        ),
        migrations.RunPython(fill_names, migrations.RunPython.noop),
    ]
