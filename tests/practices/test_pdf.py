"""The practice PDF (practices/pdf.py): read back with pypdf, it is in the reader's language
(text and labels), holds every section, the facts, the taxonomy, the contacts and the source
address, follows the page's visibility rules, and fetches nothing."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from practices.models import PracticeTranslation, Sdg, Topic
from practices.pdf import render_pdf

pytestmark = pytest.mark.django_db

SECTIONS = {
    "en": [
        "Context",
        "Objectives",
        "Implementation",
        "Results",
        "Lessons learned",
        "Transferability",
    ],
    "fr": [
        "Contexte",
        "Objectifs",
        "Mise en œuvre",
        "Résultats",
        "Enseignements",
        "Transférabilité",
    ],
    "es": [
        "Contexto",
        "Objetivos",
        "Implementación",
        "Resultados",
        "Lecciones aprendidas",
        "Transferibilidad",
    ],
}
LABELS = {
    "en": ["Challenges", "Topics", "Original language", "Contacts", "Source"],
    "fr": ["Défis", "Thèmes", "Langue d’origine", "Contacts", "Source"],
    "es": ["Desafíos", "Temas", "Idioma original", "Contactos", "Fuente"],
}
TITLES = {
    "en": "Night buses that stop on request",
    "fr": "Des bus de nuit qui s’arrêtent à la demande",
    "es": "Autobuses nocturnos con parada a demanda",
}


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # pypdf breaks lines where the layout does; the checks are on words, not on lines.
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _text(language, title):
    marker = language.upper()
    return {
        "title": title,
        "summary": f"Summary {marker}.",
        "context": f"Context body {marker}.",
        "objectives": f"Objectives body {marker}.",
        "implementation": f"Implementation body {marker}.",
        "results": f"Results body {marker}.",
        "lessons_learned": f"Lessons body {marker}.",
        "transferability": f"Transferability body {marker}.",
    }


@pytest.fixture
def practice(make_practice):
    practice = make_practice(
        state="published",
        text__title=TITLES["en"],
        contacts="Ana Pérez, mobility department, ana.perez@example.org",
        source_url="https://example.org/cases/night-buses",
        main_actors="The transport authority",
        start_year=2019,
    )
    PracticeTranslation.objects.filter(master=practice).update(**_text("en", TITLES["en"]))
    for language in ("fr", "es"):
        PracticeTranslation.objects.create(
            master=practice,
            language_code=language,
            quality="human_checked",
            **_text(language, TITLES[language]),
        )
    practice.sdgs.set(Sdg.objects.filter(number=11))
    practice.topics.set(Topic.objects.filter(slug="mobility"))
    return practice


def _download(client, practice, language="en"):
    with translation.override(language):
        url = reverse("practice-pdf", args=[practice.pk])
    return client.get(url)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_pdf_is_in_the_readers_language_with_every_part(client, practice, language):
    response = _download(client, practice, language)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(f'-{language}.pdf"')
    text = pdf_text(response.content)
    marker = language.upper()
    assert TITLES[language] in text
    assert f"Summary {marker}." in text
    for heading in SECTIONS[language]:
        assert heading in text
    for field in (
        "Context",
        "Objectives",
        "Implementation",
        "Results",
        "Lessons",
        "Transferability",
    ):
        assert f"{field} body {marker}." in text
    for label in LABELS[language]:
        assert label in text
    assert "Lyon" in text
    assert "Ana Pérez, mobility department" in text
    assert "https://example.org/cases/night-buses" in text
    assert "The transport authority" in text
    # No other language's text slipped in.
    for other in {"en", "fr", "es"} - {language}:
        assert TITLES[other] not in text
        assert f"Context body {other.upper()}." not in text


def test_a_practice_without_the_readers_language_says_so_in_that_language(client, make_practice):
    practice = make_practice(state="published", text__title="Only in English")

    text = pdf_text(_download(client, practice, "es").content)

    assert "Only in English" in text
    assert "Contexto" in text
    assert "no está disponible en su idioma" in text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 404),
        ("nobody", 404),
        ("other_practitioner", 404),
        ("practitioner", 200),
        ("official", 200),
        ("editor", 200),
    ],
)
def test_a_drafts_pdf_follows_the_rules_of_its_page(make_practice, people, who, status):
    practice = make_practice(state="draft", text__title="A draft")
    client = Client()
    if who:
        client.force_login(people[who])

    page = client.get(reverse("practice-detail", args=[practice.pk]))
    response = client.get(reverse("practice-pdf", args=[practice.pk]))

    assert page.status_code == response.status_code == status
    if status == 200:
        assert "A draft" in pdf_text(response.content)
        assert "private" in response["Cache-Control"]


def test_the_practice_page_links_to_its_pdf(client, practice):
    html = client.get(reverse("practice-detail", args=[practice.pk])).content.decode()

    assert f'href="{reverse("practice-pdf", args=[practice.pk])}"' in html


def test_links_in_a_practice_are_printed_not_fetched(client, make_practice):
    # A fetch would stop the rendering (practices.pdf._no_fetch): the PDF being made at all
    # proves the addresses in the body, the links and the source were not requested.
    practice = make_practice(
        state="published",
        text__context="See [the plan](http://127.0.0.1:9/plan) and ![map](http://127.0.0.1:9/m.png).",
        links=["http://127.0.0.1:9/report"],
        source_url="http://127.0.0.1:9/source",
    )

    text = pdf_text(_download(client, practice).content)

    assert "http://127.0.0.1:9/report" in text
    assert "http://127.0.0.1:9/source" in text


def test_any_fetch_stops_the_rendering():
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError):
        render_pdf('<p>x</p><img src="http://127.0.0.1:9/x.png" alt="">')
    with pytest.raises(FatalURLFetchingError):
        render_pdf('<style>@import url("http://127.0.0.1:9/x.css");</style><p>x</p>')
