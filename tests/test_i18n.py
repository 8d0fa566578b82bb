"""Three languages: language-prefixed URLs, the switcher, localised labels, dates and numbers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import CityFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_every_page_url_carries_its_language():
    for code in ("en", "fr", "es"):
        with translation.override(code):
            assert reverse("search") == f"/{code}/search/"
            assert reverse("home") == f"/{code}/"
    # The API, the admin and the language switch stay outside the prefix.
    assert reverse("api-suggest") == "/api/v1/search/suggest/"
    assert reverse("admin:index") == "/admin/"
    assert reverse("set_language") == "/i18n/setlang/"


def test_unprefixed_address_goes_to_the_visitors_language(client):
    response = client.get("/search/?q=bus", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    assert response.status_code == 302 and response["Location"] == "/fr/search/?q=bus"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de")["Location"] == "/en/"


def test_the_page_is_in_the_language_of_its_url(client):
    page = client.get("/fr/search/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="fr">' in page
    assert "Rechercher des pratiques" in page
    es = client.get("/es/search/").content.decode()
    assert '<html lang="es">' in es and "Buscar prácticas" in es


def test_switcher_keeps_the_page_and_its_query(client):
    page = client.get("/en/search/?q=bus&challenge=sustainability").content.decode()
    # A plain form: works without JavaScript.
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="fr"' in page
    response = client.post(
        "/i18n/setlang/",
        {"language": "fr", "next": "/en/search/?q=bus&challenge=sustainability"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/fr/search/?q=bus&challenge=sustainability"
    # The choice is remembered for addresses without a language.
    assert client.get("/cities/")["Location"] == "/fr/cities/"


def test_taxonomy_labels_dates_and_numbers_follow_the_language(client):
    city = CityFactory(name="Lyon", slug="lyon", population=1_234_567)
    practice = PracticeFactory(city=city, challenges=["gender-equality"])
    practice.imported_at = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    practice.source_url = "https://example.org/source"
    practice.save()
    fr_city = client.get("/fr/cities/lyon/").content.decode()
    assert "1\u202f234\u202f567" in fr_city or "1\xa0234\xa0567" in fr_city
    assert "1,234,567" in client.get("/en/cities/lyon/").content.decode()
    fr = client.get(f"/fr/practices/{practice.pk}/").content.decode()
    assert "Égalité des genres" in fr or "Égalité de genre" in fr
    assert "5 mars 2026" in fr
    es = client.get(f"/es/practices/{practice.pk}/").content.decode()
    assert "5 de marzo de 2026" in es


def test_exchange_mails_are_in_each_readers_language(settings, cast_, make_request):
    from django.core import mail

    from exchanges.notifications import notification_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people = cast_["people"]
    people["broker"].preferred_language = "fr"
    people["broker"].save()
    request = make_request()
    mail.outbox.clear()
    notification_send(kind="request_created", object_id=request.pk)
    by_reader = {m.to[0]: m for m in mail.outbox}
    french, english = by_reader[people["broker"].email], by_reader[people["broker2"].email]
    assert french.subject == "[Policy Transfer] Nouvelle demande d’échange de Dakar"
    assert f"/fr/exchanges/requests/{request.pk}/" in french.body
    assert english.subject == "[Policy Transfer] New exchange request from Dakar"
    assert f"/en/exchanges/requests/{request.pk}/" in english.body


def test_pages_name_their_versions_in_the_other_languages(client):
    page = client.get("/fr/search/?q=bus").content.decode()
    for code in ("en", "fr", "es"):
        assert (
            f'<link rel="alternate" hreflang="{code}" href="http://testserver/{code}/search/?q=bus">'
            in page
        )
    # pages outside the language prefix (the API docs) have none
    assert 'hreflang="' not in client.get("/api/docs/").content.decode()
