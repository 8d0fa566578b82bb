"""Two people editing one practice through the web at once (practices.editing): a stale form
never overwrites a newer save; it gets the conflict page (409) with the user's text kept in a
form based on the current version, and saving that form again applies it.

The forms are read and posted back as a browser does: from the page's HTML."""

from html.parser import HTMLParser

import pytest

from practices.models import Practice
from practices.services import PracticeText, practice_translation_set

pytestmark = pytest.mark.django_db


class _FormReader(HTMLParser):
    """The values a browser would post from the page's first POST form (with a CSRF field):
    inputs, checked boxes, selected options and textareas."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._textarea, self._select = {}, False, None, None
        self._done = False

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and a.get("method") == "post" and "action" not in a:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            else:
                self._add(a["name"], a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._add(self._textarea, "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def form_of(response):
    reader = _FormReader()
    reader.feed(response.content.decode())
    # Django renders a textarea's value after a newline, which a browser drops.
    return {
        name: [v[1:] if v.startswith("\n") else v for v in values]
        for name, values in reader.data.items()
    }


def posting(form, **changes):
    data = {**form}
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    data["save"] = ["1"]
    return data


@pytest.fixture
def two_members(client, people):
    from django.test import Client

    first, second = client, Client()
    first.force_login(people["official"])
    second.force_login(people["practitioner"])
    return first, second


def test_stale_form_gets_the_conflict_and_saving_again_applies_it(two_members, make_practice):
    practice = make_practice(
        "draft", text__title="Bike lanes", text__summary="Paint.", text__context="Old context"
    )
    url = f"/en/practices/{practice.pk}/edit/"
    first, second = two_members
    form_a, form_b = form_of(first.get(url)), form_of(second.get(url))
    assert form_a["version"][0]

    saved = first.post(url, posting(form_a, title="Protected bike lanes", context="A's context"))
    assert saved.status_code == 302

    stale = second.post(url, posting(form_b, summary="Kerbs, not paint.", context="B's context"))
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Someone else saved while you were editing" in page
    assert "saved a new version on" in page and "after you opened this form" in page
    # what changed, side by side: the other's text and the current text
    assert "A&#x27;s context" in page and "B&#x27;s context" in page
    stored = Practice.objects.get(pk=practice.pk).original
    assert (stored.title, stored.summary, stored.context) == (
        "Protected bike lanes",
        "Paint.",
        "A's context",
    )

    # The form given back: B's text where B typed, the current text elsewhere, a new version.
    again = form_of(stale)
    assert again["summary"] == ["Kerbs, not paint."]
    assert again["context"] == ["B's context"]
    assert again["title"] == ["Protected bike lanes"]
    assert again["version"] != form_b["version"]

    applied = second.post(url, posting(again))
    assert applied.status_code == 302
    stored = Practice.objects.get(pk=practice.pk).original
    assert (stored.title, stored.summary, stored.context) == (
        "Protected bike lanes",
        "Kerbs, not paint.",
        "B's context",
    )


def test_the_conflict_names_who_saved_in_the_readers_language(two_members, make_practice, people):
    people["official"].first_name, people["official"].last_name = "Ana", "Martin"
    people["official"].save()
    practice = make_practice("draft", text__title="Bike lanes")
    url = f"/fr/practices/{practice.pk}/edit/"
    first, second = two_members
    form_a, form_b = form_of(first.get(url)), form_of(second.get(url))
    assert first.post(url, posting(form_a, title="Pistes cyclables")).status_code == 302
    stale = second.post(url, posting(form_b, title="Voies vélo"))
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Ana Martin a enregistré une nouvelle version" in page
    assert "Vos modifications ne sont pas encore enregistrées." in page
    assert Practice.objects.get(pk=practice.pk).original.title == "Pistes cyclables"


def test_a_stale_form_posted_twice_is_refused_twice(two_members, make_practice):
    practice = make_practice("draft", text__title="Bike lanes")
    url = f"/en/practices/{practice.pk}/edit/"
    first, second = two_members
    form_a, form_b = form_of(first.get(url)), form_of(second.get(url))
    assert first.post(url, posting(form_a, sdgs=["11"], title="A's title")).status_code == 302
    stale = posting(form_b, title="B's title")
    assert second.post(url, stale).status_code == 409
    assert second.post(url, stale).status_code == 409
    stored = Practice.objects.get(pk=practice.pk)
    assert stored.original.title == "A's title"
    assert list(stored.sdgs.values_list("number", flat=True)) == [11]


def test_a_double_click_on_a_fresh_form_is_no_conflict(client, people, make_practice):
    practice = make_practice("draft", text__title="Bike lanes")
    url = f"/en/practices/{practice.pk}/edit/"
    client.force_login(people["practitioner"])
    data = posting(form_of(client.get(url)), title="Safer bike lanes")
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Practice.objects.get(pk=practice.pk).original.title == "Safer bike lanes"


def test_the_same_change_made_by_both_is_no_conflict(two_members, make_practice):
    practice = make_practice("draft", text__title="Bike lanse")
    url = f"/en/practices/{practice.pk}/edit/"
    first, second = two_members
    form_a, form_b = form_of(first.get(url)), form_of(second.get(url))
    assert first.post(url, posting(form_a, title="Bike lanes")).status_code == 302
    assert second.post(url, posting(form_b, title="Bike lanes")).status_code == 302


def test_a_form_without_version_cannot_overwrite(client, people, make_practice):
    practice = make_practice("draft", text__title="Bike lanes")
    url = f"/en/practices/{practice.pk}/edit/"
    client.force_login(people["practitioner"])
    form = form_of(client.get(url))
    del form["version"]
    assert client.post(url, posting(form, title="From an old tab")).status_code == 409
    assert Practice.objects.get(pk=practice.pk).original.title == "Bike lanes"


def test_preview_keeps_the_version_the_form_was_opened_on(two_members, make_practice):
    practice = make_practice("draft", text__title="Bike lanes")
    url = f"/en/practices/{practice.pk}/edit/"
    first, second = two_members
    form_a, form_b = form_of(first.get(url)), form_of(second.get(url))
    assert first.post(url, posting(form_a, title="A's title")).status_code == 302
    preview = {**posting(form_b, title="B's title"), "preview": ["1"]}
    del preview["save"]
    previewed = second.post(url, preview)
    assert previewed.status_code == 200
    assert form_of(previewed)["version"] == form_b["version"]
    assert second.post(url, posting(form_of(previewed))).status_code == 409


def test_stale_translation_form_gets_the_conflict(two_members, make_practice, people):
    practice = make_practice("draft", language="en")
    practice_translation_set(
        practice=practice,
        by=people["practitioner"],
        language="fr",
        text=PracticeText(title="Pistes", summary="De la peinture."),
        quality="machine",
    )
    url = f"/en/practices/{practice.pk}/translations/fr/"
    first, second = two_members
    form_a, form_b = form_of(first.get(url)), form_of(second.get(url))
    saved = first.post(url, {**form_a, "title": ["Pistes cyclables"], "quality": "human_checked"})
    assert saved.status_code == 302

    stale = second.post(url, {**form_b, "summary": ["Des bordures."]})
    assert stale.status_code == 409
    assert "Someone else saved while you were editing" in stale.content.decode()
    row = practice.translations.get(language_code="fr")
    assert (row.title, row.summary, row.quality) == (
        "Pistes cyclables",
        "De la peinture.",
        "human_checked",
    )
    again = form_of(stale)
    assert again["title"] == ["Pistes cyclables"] and again["summary"] == ["Des bordures."]
    assert again["quality"] == ["human_checked"]
    assert second.post(url, again).status_code == 302
    row.refresh_from_db()
    assert (row.title, row.summary, row.quality) == (
        "Pistes cyclables",
        "Des bordures.",
        "human_checked",
    )
