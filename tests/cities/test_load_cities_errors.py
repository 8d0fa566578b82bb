import json

import pytest
from django.core.management import CommandError, call_command

from cities import services
from cities.models import City, Country, Region

pytestmark = pytest.mark.django_db


def _write(tmp_path, content):
    path = tmp_path / "cities.json"
    path.write_text(content, encoding="utf-8")
    return path


def _record(**overrides):
    record = {
        "geonameid": 2988507,
        "name": "Paris",
        "countrycode": "FR",
        "population": 2138551,
        "latitude": 48.85341,
        "longitude": 2.3488,
    }
    record.update(overrides)
    return record


def test_missing_file_is_reported_and_nothing_changes(tmp_path):
    with pytest.raises(CommandError, match=r"does not exist\. Nothing was changed"):
        call_command("load_cities", cities_file=tmp_path / "nope.json")
    assert not Region.objects.exists() and not City.objects.exists()


def test_malformed_json_names_the_line(tmp_path):
    path = _write(tmp_path, '{"1": {"name": "Paris",\n "geonameid": }')
    with pytest.raises(CommandError, match=r"not valid JSON \(line 2"):
        call_command("load_cities", cities_file=path)
    assert not City.objects.exists()


def test_bad_record_names_the_record_and_writes_nothing(tmp_path):
    records = [_record(), _record(geonameid=1, name="Nowhere", population="many")]
    path = _write(tmp_path, json.dumps(records))
    with pytest.raises(CommandError, match=r"record 2 \(Nowhere\) has a bad value"):
        call_command("load_cities", cities_file=path)
    assert not City.objects.exists() and not Country.objects.exists()


def test_record_without_coordinates_is_refused(tmp_path):
    path = _write(tmp_path, json.dumps([_record(latitude=123.0)]))
    with pytest.raises(CommandError, match="coordinates out of range"):
        call_command("load_cities", cities_file=path)


def test_interrupted_write_rolls_everything_back(tmp_path, monkeypatch):
    path = _write(tmp_path, json.dumps([_record()]))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(City.objects, "bulk_create", crash)
    with pytest.raises(KeyboardInterrupt):
        services.cities_load_reference(cities_path=path)
    assert not Region.objects.exists() and not Country.objects.exists()


def test_update_keeps_membership_fields(tmp_path):
    path = _write(tmp_path, json.dumps([_record()]))
    services.cities_load_reference(cities_path=path)
    City.objects.filter(geonameid=2988507).update(
        member_status="active", member_since="2001-01-01", open_to_exchanges=True
    )
    path.write_text(json.dumps([_record(population=2_200_000)]), encoding="utf-8")
    report = services.cities_load_reference(cities_path=path)
    assert (report.created, report.updated) == (0, 1)
    city = City.objects.get(geonameid=2988507)
    assert city.population == 2_200_000
    assert city.member_status == "active" and city.open_to_exchanges
