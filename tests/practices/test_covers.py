"""Cover images (issue 16): thumbnails made with Pillow at upload, served under the practice's
visibility, the required alternative text, and the cover on the practice's page."""

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from practices.images import THUMBNAIL_WIDTHS
from practices.models import PendingImage, Practice, PracticeAttachment
from practices.services import (
    practice_attachment_add,
    practice_attachment_remove,
    practice_cover_set,
)

pytestmark = pytest.mark.django_db


def jpeg_bytes(size=(1600, 1000), orientation=None):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x010F] = "Phone maker"  # metadata a thumbnail must not carry
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png_bytes(size=(4, 4), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 20, 20, 128) if mode == "RGBA" else "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def upload(people):
    def upload(practice, name="photo.jpg", content=None, **kwargs):
        return practice_attachment_add(
            practice=practice,
            by=kwargs.pop("by", people["practitioner"]),
            upload=SimpleUploadedFile(name, content if content is not None else jpeg_bytes()),
            **kwargs,
        )

    return upload


def test_thumbnails_are_webp_copies_beside_the_file(make_practice, upload):
    attachment = upload(make_practice("draft"))
    assert (attachment.width, attachment.height) == (1600, 1000)
    assert [t["width"] for t in attachment.thumbnails] == list(THUMBNAIL_WIDTHS) == [320, 960]
    folder = attachment.file.name.rsplit("/", 1)[0]
    for thumbnail in attachment.thumbnails:
        assert thumbnail["name"].startswith(folder + "/")
        assert thumbnail["name"].startswith(attachment.file.name.rsplit(".", 1)[0])
        with default_storage.open(thumbnail["name"], "rb") as stored, Image.open(stored) as image:
            assert image.format == "WEBP"
            assert image.size == (thumbnail["width"], thumbnail["height"])
            assert not image.getexif()
    assert [t["height"] for t in attachment.thumbnails] == [200, 600]


def test_a_rotated_photo_is_measured_and_copied_upright(make_practice, upload):
    # EXIF orientation 6: stored 1600 × 1000, shown 1000 × 1600.
    attachment = upload(make_practice("draft"), content=jpeg_bytes(orientation=6))
    assert (attachment.width, attachment.height) == (1000, 1600)
    assert attachment.thumbnails[0]["height"] == 512


def test_a_small_image_is_never_enlarged_and_keeps_its_transparency(make_practice, upload):
    small = upload(make_practice("draft"), name="logo.png", content=png_bytes((300, 200)))
    assert small.thumbnails == [] and (small.width, small.height) == (300, 200)
    assert [s.width for s in small.sizes()] == [300]
    logo = upload(make_practice("draft"), name="logo.png", content=png_bytes((700, 700), "RGBA"))
    assert [t["width"] for t in logo.thumbnails] == [320]
    with default_storage.open(logo.thumbnails[0]["name"], "rb") as stored:
        assert Image.open(stored).mode == "RGBA"


def test_a_pdf_has_no_thumbnails(make_practice, upload):
    pdf = upload(make_practice("draft"), name="plan.pdf", content=b"%PDF-1.4\n%%EOF\n")
    assert pdf.thumbnails == [] and pdf.width is None


def test_removing_an_image_removes_its_thumbnails_and_the_cover(
    make_practice, upload, people, django_capture_on_commit_callbacks
):
    practice = make_practice("draft")
    attachment = upload(practice, alt_text="A cable car above the hillside", as_cover=True)
    names = attachment.stored_names()
    assert len(names) == 3 and all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        practice_attachment_remove(attachment=attachment, by=people["practitioner"])
    assert not any(default_storage.exists(n) for n in names)
    assert Practice.objects.get(pk=practice.pk).cover is None


def _thumb_url(attachment, width=320):
    return f"/attachments/{attachment.pk}/w{width}/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("other_practitioner", 404),
        ("other_official", 404),
        ("broker", 404),
        ("practitioner", 200),
        ("official", 200),
        ("editor", 200),
    ],
)
def test_a_drafts_thumbnails_only_for_its_city_and_editors(
    client, people, make_practice, upload, role, status
):
    attachment = upload(make_practice("draft"), alt_text="Night bus", as_cover=True)
    if role != "anonymous":
        client.force_login(people[role])
    response = client.get(_thumb_url(attachment))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/webp"
        assert response["Cache-Control"] == "private, no-cache"
        body = b"".join(response.streaming_content)
        assert Image.open(io.BytesIO(body)).size == (320, 200)


def test_a_published_practices_thumbnail_for_everyone(client, make_practice, upload):
    practice = make_practice("draft")
    attachment = upload(practice, alt_text="Night bus", as_cover=True)
    Practice.objects.filter(pk=practice.pk).update(
        review_state="published", published_at=timezone.now()
    )
    response = client.get(_thumb_url(attachment, 960))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(_thumb_url(attachment, 500)).status_code == 404


def test_thumbnails_go_through_the_front_server(client, make_practice, upload, settings, people):
    settings.ATTACHMENT_ACCEL_REDIRECT = "/protected-media/"
    attachment = upload(make_practice("draft"))
    client.force_login(people["practitioner"])
    response = client.get(_thumb_url(attachment))
    assert response["X-Accel-Redirect"] == "/protected-media/" + attachment.thumbnails[0]["name"]
    client.logout()
    assert "X-Accel-Redirect" not in client.get(_thumb_url(attachment))


def test_a_cover_needs_its_alternative_text(make_practice, upload, people):
    practice = make_practice("draft")
    with pytest.raises(ValidationError) as refused:
        upload(practice, alt_text="   ", as_cover=True)
    assert "alternative text" in refused.value.message_dict["alt_text"][0]
    assert not practice.attachments.exists()
    attachment = upload(practice)
    with pytest.raises(ValidationError) as refused:
        practice_cover_set(
            practice=practice, by=people["practitioner"], attachment=attachment, alt_text=""
        )
    assert "required for a cover" in refused.value.message_dict["alt_text"][0]
    assert Practice.objects.get(pk=practice.pk).cover is None
    practice_cover_set(
        practice=practice, by=people["practitioner"], attachment=attachment, alt_text=" Tram "
    )
    practice.refresh_from_db()
    assert practice.cover == attachment and practice.cover.alt_text == "Tram"


def test_only_the_practices_own_images_can_be_its_cover(make_practice, upload, people):
    practice, other = make_practice("draft"), make_practice("draft")
    for attachment in (
        upload(other),
        upload(practice, name="plan.pdf", content=b"%PDF-1.4\n%%EOF\n"),
    ):
        with pytest.raises(ValidationError):
            practice_cover_set(
                practice=practice, by=people["practitioner"], attachment=attachment, alt_text="x"
            )
    with pytest.raises(PermissionDenied):
        practice_cover_set(
            practice=practice,
            by=people["other_practitioner"],
            attachment=upload(practice),
            alt_text="x",
        )


def test_the_web_form_says_why_a_cover_without_alternative_text_is_refused(
    client, make_practice, people
):
    practice = make_practice("draft")
    client.force_login(people["practitioner"])
    response = client.post(
        f"/en/practices/{practice.pk}/attachments/",
        {"file": SimpleUploadedFile("photo.jpg", jpeg_bytes()), "cover": "on", "alt_text": ""},
        follow=True,
    )
    assert "required for a cover" in response.content.decode()
    assert not practice.attachments.exists()
    response = client.post(
        f"/en/practices/{practice.pk}/attachments/",
        {
            "file": SimpleUploadedFile("photo.jpg", jpeg_bytes()),
            "cover": "on",
            "alt_text": "Women waiting at a lit bus stop",
        },
        follow=True,
    )
    practice.refresh_from_db()
    assert practice.cover is not None
    # Chosen again from the page, with a new text; then no cover at all.
    client.post(
        f"/en/practices/{practice.pk}/cover/",
        {"attachment": practice.cover.pk, "alt_text": ""},
    )
    assert PracticeAttachment.objects.get().alt_text == "Women waiting at a lit bus stop"
    client.post(f"/en/practices/{practice.pk}/cover/", {"remove": "1"})
    assert Practice.objects.get(pk=practice.pk).cover is None


def test_the_practice_page_shows_its_cover_without_layout_shift(
    client, make_practice, upload, people
):
    practice = make_practice("published", language="fr")
    attachment = upload(
        practice,
        alt_text="Un téléphérique au-dessus du quartier",
        as_cover=True,
        by=people["editor"],
    )
    html = client.get(practice.get_absolute_url()).content.decode()
    cover = re.search(r'<figure class="cover-figure"><img [^>]*>', html).group(0)
    assert 'alt="Un téléphérique au-dessus du quartier"' in cover and 'lang="fr"' in cover
    assert f'src="/attachments/{attachment.pk}/w960/"' in cover
    assert 'width="960" height="600"' in cover
    assert (
        f"/attachments/{attachment.pk}/w320/ 320w, /attachments/{attachment.pk}/w960/ 960w, "
        f"/attachments/{attachment.pk}/ 1600w"
    ) in cover
    assert "sizes=" in cover


def test_no_cover_no_image(client, make_practice):
    practice = make_practice("published")
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "cover-figure" not in html and "<img" not in html.split("<main", 1)[1]


def new_practice_form(city, **overrides):
    data = {
        "city": city.pk,
        "language": "fr",
        "title": "Bus de nuit à la demande",
        "summary": "Arrêts à la demande après 22 h.",
        "context": "Des femmes se sentaient en danger la nuit.",
        "results": "Plus de voyageuses la nuit.",
        "challenges": ["gender-equality", "quality-of-life"],
        "sdgs": ["5", "11"],
        "topics": ["mobility", "safety"],
        "status": "ongoing",
        "start_year": "2019",
        "end_year": "",
        "budget_band": "100k-1m",
        "main_actors": "La régie des transports",
        "links": "https://example.org/bus",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_a_new_practice_gets_its_cover_in_the_same_submit(client, city, people):
    client.force_login(people["practitioner"])
    response = client.post(
        "/fr/practices/new/",
        new_practice_form(
            city,
            cover_image=SimpleUploadedFile("bus.jpg", jpeg_bytes()),
            cover_alt="Un bus éclairé à un arrêt, la nuit",
        ),
    )
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert practice.cover.alt_text == "Un bus éclairé à un arrêt, la nuit"
    assert practice.cover.original_name == "bus.jpg"
    assert [t["width"] for t in practice.cover.thumbnails] == [320, 960]
    assert not PendingImage.objects.exists()


def test_the_image_survives_an_error_in_another_field(
    client, city, people, django_capture_on_commit_callbacks
):
    client.force_login(people["practitioner"])
    response = client.post(
        "/fr/practices/new/",
        new_practice_form(
            city, title="", cover_image=SimpleUploadedFile("bus.jpg", jpeg_bytes()), cover_alt=""
        ),
    )
    assert response.status_code == 200 and not Practice.objects.exists()
    html = response.content.decode()
    pending = PendingImage.objects.get()
    assert f'name="pending_cover" value="{pending.pk}"' in html
    assert "« bus.jpg » est conservée" in html
    # The missing alternative text is said in words, as well as the missing title.
    assert "texte alternatif" in html and "obligatoire" in html
    # Another author cannot take it over.
    other = Client()
    other.force_login(people["official"])
    other.post(
        "/fr/practices/new/",
        new_practice_form(city, pending_cover=pending.pk, cover_alt="Pris", title="Autre"),
    )
    assert Practice.objects.get().cover is None
    Practice.objects.all().delete()
    stored = pending.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/fr/practices/new/",
            new_practice_form(city, pending_cover=pending.pk, cover_alt="Un bus de nuit"),
        )
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert practice.cover.alt_text == "Un bus de nuit" and practice.cover.width == 1600
    assert not PendingImage.objects.exists() and not default_storage.exists(stored)


def test_the_preview_shows_the_kept_image_to_its_uploader_only(client, city, people):
    client.force_login(people["practitioner"])
    response = client.post(
        "/en/practices/new/",
        new_practice_form(
            city,
            save="",
            preview="1",
            cover_image=SimpleUploadedFile("bus.jpg", jpeg_bytes()),
            cover_alt="A lit bus stop",
        ),
    )
    pending = PendingImage.objects.get()
    url = f"/en/practices/new/images/{pending.pk}/"
    assert f'src="{url}" alt="A lit bus stop" lang="fr"' in response.content.decode()
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Cache-Control"] == "private, no-store"
    assert b"".join(shown.streaming_content) == pending.file.open("rb").read()
    other = Client()
    other.force_login(people["official"])
    assert other.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page


def test_a_file_that_cannot_be_used_is_refused_in_the_form(client, city, people):
    client.force_login(people["practitioner"])
    response = client.post(
        "/en/practices/new/",
        new_practice_form(
            city, cover_image=SimpleUploadedFile("bus.jpg", b"not a picture"), cover_alt="A bus"
        ),
    )
    assert response.status_code == 200
    assert "This file is not the image its name says." in response.content.decode()
    assert not Practice.objects.exists() and not PendingImage.objects.exists()


def test_a_kept_image_can_be_dropped(client, city, people):
    client.force_login(people["practitioner"])
    client.post(
        "/en/practices/new/",
        new_practice_form(city, title="", cover_image=SimpleUploadedFile("a.jpg", jpeg_bytes())),
    )
    pending = PendingImage.objects.get()
    response = client.post(
        "/en/practices/new/",
        new_practice_form(city, pending_cover=pending.pk, pending_cover_discard="1"),
    )
    assert response.status_code == 302
    assert Practice.objects.get().cover is None and not PendingImage.objects.exists()


def _between(html, start, end):
    return html[html.index(start) : html.index(end, html.index(start))]


def _body_parts(html):
    """What the practice's page and its preview must share: the facts, every section heading
    and text, and the details."""
    facts = _between(html, '<dl class="facts">', "</dl>")
    headings = re.findall(r"<h[24]>([^<]+)</h[24]>", html)
    return facts, [h for h in headings if h not in ("Aperçu", "Travailler sur cette pratique")]


def test_the_preview_is_the_published_page(client, city, people, make_practice):
    client.force_login(people["practitioner"])
    preview = client.post("/fr/practices/new/", new_practice_form(city, save="", preview="1"))
    preview_html = _between(
        preview.content.decode(), '<section class="preview"', '<form method="post"'
    )
    assert "Pas encore enregistré" in preview_html
    facts, headings = _body_parts(preview_html)
    assert headings == ["Contexte", "Résultats", "Principaux acteurs", "Liens"]
    for shown in ("Égalité de genre", "Mobilité", "100 000 USD à 1 million USD", "2019", "Lyon"):
        assert shown in facts
    assert not Practice.objects.exists()
    client.post("/fr/practices/new/", new_practice_form(city))
    practice = Practice.objects.get()
    Practice.objects.filter(pk=practice.pk).update(
        review_state="published", published_at=timezone.now()
    )
    page = client.get(practice.get_absolute_url().replace("/en/", "/fr/")).content.decode()
    page_html = _between(page, '<article class="practice">', "</article>")
    assert _body_parts(page_html) == (facts, headings)
    # The edit form's preview too (an editor's, of the published practice), with its cover.
    practice_attachment_add(
        practice=practice,
        by=people["editor"],
        upload=SimpleUploadedFile("bus.jpg", jpeg_bytes()),
        alt_text="Un bus",
        as_cover=True,
    )
    client.force_login(people["editor"])
    url = f"/fr/practices/{practice.pk}/edit/"
    version = re.search(r'name="version" value="([^"]*)"', client.get(url).content.decode())
    posted = new_practice_form(city, save="", preview="1", version=version.group(1))
    edited = client.post(url, {k: v for k, v in posted.items() if k not in ("city", "language")})
    edited_html = _between(
        edited.content.decode(), '<section class="preview"', '<form method="post"'
    )
    assert _body_parts(edited_html) == (facts, headings)
    assert 'class="cover cover-page"' in edited_html and 'alt="Un bus"' in edited_html


def test_images_attached_before_thumbnails_get_them(make_practice, upload):
    from django.core.management import call_command

    attachment = upload(make_practice("draft"))
    for name in attachment.stored_names()[1:]:
        default_storage.delete(name)
    PracticeAttachment.objects.filter(pk=attachment.pk).update(
        width=None, height=None, thumbnails=[]
    )
    out = io.StringIO()
    call_command("thumbnails_make", stdout=out)
    assert "1 image(s) given thumbnails; 0 could not be read." in out.getvalue()
    attachment.refresh_from_db()
    assert (attachment.width, [t["width"] for t in attachment.thumbnails]) == (1600, [320, 960])
    assert all(default_storage.exists(n) for n in attachment.stored_names())
    call_command("thumbnails_make", stdout=out)
    assert "0 image(s) given thumbnails" in out.getvalue()
