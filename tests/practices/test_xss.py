"""Whatever a user types, in any text field, renders inert for every other reader."""

from html.parser import HTMLParser

import pytest

from practices.models import Challenge
from practices.services import (
    PracticeData,
    PracticeText,
    practice_create,
    practice_transition,
    practice_translation_set,
)

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "<svg onload=alert(1)><circle/></svg>",
    '<svg><script xlink:href="data:text/javascript,alert(1)"></script></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '"><body onload=alert(1)>',
    "<style>body{display:none}</style>",
    "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>x</a>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]

FORBIDDEN_TAGS = {"script", "svg", "iframe", "style", "math", "body", "object", "embed", "base"}


OUR_DRAWINGS = {("figure", "city-map"), ("table", "bars")}


class Inspector(HTMLParser):
    """Collects every real element and attribute the browser would build from the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.depth = 0
        # Inside our own drawings, the map of member cities (templates/cities/_map.html) and
        # the bar charts of city pages (templates/cities/_bars.html): their SVG holds no user
        # text (labels and counts sit in table cells, escaped as everywhere), and the map's
        # city names are escaped, which tests/portal/test_map.py checks.
        self.ours: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        # Nested elements of the same tag as the drawing's container are counted, so that the
        # drawing ends where its own container closes.
        opens_ours = (tag, dict(attrs).get("class")) in OUR_DRAWINGS
        if (self.ours and tag == self.ours[0]) or (not self.ours and opens_ours):
            self.ours.append(tag)
        if not self.depth or self.ours:
            return  # our own layout around the content is not under test
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name in ("href", "src", "action", "formaction") and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        if self.ours and tag == self.ours[0]:
            self.ours.pop()


def assert_inert(html):
    inspector = Inspector()
    inspector.feed(html)
    assert "<main" in html
    assert inspector.problems == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_text_field_renders_inert(client, city, people, payload):
    author, editor = people["practitioner"], people["editor"]
    text = PracticeText(
        title=payload[:200],
        summary=payload[:300],
        sections={
            name: f"Intro {payload} outro"
            for name in (
                "context",
                "objectives",
                "implementation",
                "results",
                "lessons_learned",
                "transferability",
            )
        },
    )
    practice = practice_create(
        by=author,
        city=city,
        language="en",
        data=PracticeData(
            text=text,
            challenges=list(Challenge.objects.all()[:1]),
            main_actors=payload,
            contacts=payload,
            awards=payload,
        ),
    )
    practice_translation_set(
        practice=practice, by=author, language="fr", text=text, quality="machine"
    )
    practice_transition(practice=practice, by=author, name="submit", note=payload)
    practice_transition(practice=practice, by=editor, name="publish", note=payload)

    client.force_login(author)  # sees everything, history notes included
    for language in ("en", "fr", "es"):
        response = client.get(practice.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert_inert(response.content.decode())
    for url in ("/en/", "/en/practices/", f"/en/cities/{city.slug}/", "/en/practices/mine/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())
    client.force_login(editor)  # editors may edit a published practice: the form shows it all
    for url in (
        f"/en/practices/{practice.pk}/edit/",
        f"/en/practices/{practice.pk}/translations/fr/",
        "/en/practices/review/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())


def test_markdown_still_formats(client, city, people):
    from practices.rendering import render_markdown

    html = render_markdown("**bold** and [a link](https://example.org)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">a link</a>' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "live",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href=" javascript:alert(1)">x</a>',
        "<svg onload=alert(1)></svg>",
        '<p style="x">y</p>',
    ],
)
def test_the_inspector_itself_catches_live_markup(live):
    with pytest.raises(AssertionError):
        assert_inert(f'<html><main id="main">{live}</main></html>')
