"""Control characters never reach the database, and text stored before that rule cannot break a
feed (issue 14, item 4: an escape in a published title made every Atom feed answer 500)."""

import xml.etree.ElementTree as ET

import pytest

from practices.models import PracticeTranslation

from .test_practices import new_practice_body

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed_titles(client, path="/en/search/feed/", **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:300]
    # Our own feed, not untrusted input: well-formed XML, or this raises.
    root = ET.fromstring(response.content)  # noqa: S314
    return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")], root


def test_api_strips_control_characters_and_the_feed_stays_valid(clients, settings):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    body = new_practice_body(
        title="Budget\x1b participatif\x0b des quartiers",
        summary="Les habitants\x1f votent\r\n un budget.",
        sections={"context": "Ligne un\r\nligne deux\x07", "results": "12 projets."},
        main_actors="La mairie\x1b[31m",
    )
    response = clients["practitioner"].post("/api/v1/practices/", body, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    row = PracticeTranslation.objects.get(master_id=pk)
    assert row.title == "Budget participatif des quartiers"
    assert row.summary == "Les habitants votent un budget."
    assert row.context == "Ligne un\nligne deux"
    practitioner, editor = clients["practitioner"], clients["editor"]
    assert practitioner.post(f"/api/v1/practices/{pk}/submit/").status_code == 200
    assert editor.post(f"/api/v1/practices/{pk}/publish/").status_code == 200
    titles, _root = _feed_titles(clients["anonymous"])
    assert "Budget participatif des quartiers" in titles


def test_api_refuses_nul_in_words_and_stores_nothing(clients):
    body = new_practice_body(title="Budget\x00 participatif")
    response = clients["practitioner"].post("/api/v1/practices/", body, format="json")
    assert response.status_code == 400
    assert "Null characters are not allowed" in str(response.json()["errors"]["title"])
    assert not PracticeTranslation.objects.filter(title__startswith="Budget").exists()


def test_web_form_strips_control_characters(client, city, people):
    from tests.practices.test_editing import form_data

    client.force_login(people["practitioner"])
    response = client.post(
        "/en/practices/new/",
        form_data(
            city=city.pk,
            language="en",
            title="Safe\x1b night\x0b buses",
            context="Women\x07 reported\r\nfeeling unsafe.",
        ),
    )
    assert response.status_code == 302, response.content[:500]
    row = PracticeTranslation.objects.get(title__startswith="Safe")
    assert row.title == "Safe night buses"
    assert row.context == "Women reported\nfeeling unsafe."


def test_text_stored_before_the_rule_and_a_dirty_query_do_not_break_feeds(
    clients, make_practice, settings
):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    practice = make_practice("published")
    PracticeTranslation.objects.filter(master=practice).update(
        title="Old\x1b title\x0b", summary="Old\x0c summary"
    )
    anonymous = clients["anonymous"]
    titles, _root = _feed_titles(anonymous)
    assert "Old title" in titles
    _titles, root = _feed_titles(anonymous, "/fr/search/feed/", q="budget\x1b")
    # The feed's own link leads to the search page in the reader's language.
    links = [e.get("href") for e in root.findall(f"{ATOM}link")]
    assert any(href and "/fr/search/?" in href for href in links), links


@pytest.mark.parametrize(
    "body",
    [
        "[" * 50_000 + "]" * 50_000,  # 100 kB of brackets (issue 14, item 8)
        '{"email": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
        "[" * 1000,  # unclosed, deep
    ],
)
def test_deeply_nested_json_is_refused_before_parsing(clients, body):
    for who, path in (("anonymous", "/api/v1/auth/token/"), ("practitioner", "/api/v1/practices/")):
        response = clients[who].generic("POST", path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content[:200])
        assert "nested more than 32 levels" in response.json()["detail"]


def test_brackets_inside_strings_are_not_nesting(clients):
    title = "[[[[" * 20 + '\\"' + "{{{{" * 20
    body = new_practice_body(title=title[:200])
    response = clients["practitioner"].post("/api/v1/practices/", body, format="json")
    assert response.status_code == 201, response.content
