"""Writing and editing practices through the web, with the permission rules from outside."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from practices.models import Practice, PracticeAttachment, SearchOutbox
from practices.services import practice_form_version
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "title": "Safe night buses",
        "summary": "Stops on request after 10 pm.",
        "context": "Women reported feeling unsafe at night.",
        "challenges": ["gender-equality"],
        "sdgs": ["5", "11"],
        "topics": ["mobility", "safety"],
        "status": "ongoing",
        "start_year": "2019",
        "end_year": "",
        "budget_band": "",
        "links": "https://example.org/night-buses",
        "save": "1",
    }
    data.update(overrides)
    return data


def png_bytes(size=(4, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_practitioner_writes_a_draft(client, city, people):
    client.force_login(people["practitioner"])
    response = client.post("/en/practices/new/", form_data(city=city.pk, language="en"))
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert practice.city == city and practice.review_state == "draft"
    assert practice.created_by == people["practitioner"]
    assert practice.original.title == "Safe night buses"
    assert set(practice.topics.values_list("slug", flat=True)) == {"mobility", "safety"}
    assert practice.links == ["https://example.org/night-buses"]
    assert practice.transitions.get().to_state == "draft"
    assert SearchOutbox.objects.filter(practice_id=practice.pk).exists()


def test_preview_saves_nothing(client, city, people):
    client.force_login(people["practitioner"])
    response = client.post(
        "/en/practices/new/",
        form_data(city=city.pk, language="en", save="", preview="1", context="**bold idea**"),
    )
    assert response.status_code == 200
    assert "<strong>bold idea</strong>" in response.content.decode()
    assert not Practice.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message_fr"),
    [
        ({"title": "x" * 201}, "au plus 200 caractères"),
        ({"challenges": ["not-a-challenge"]}, "not-a-challenge ne fait pas partie des défis"),
        ({"sdgs": ["18"]}, "18 ne fait pas partie des 17 objectifs"),
        ({"topics": ["astrology"]}, "astrology ne fait pas partie des thèmes"),
        (
            {"start_year": "2020", "end_year": "2018"},
            "L’année de fin ne peut pas précéder l’année de début.",
        ),
        ({"start_year": "1492"}, "supérieure ou égale à 1900"),
        ({"links": "javascript:alert(1)"}, "n’est pas une adresse web"),
        ({"challenges": []}, "Ce champ est obligatoire."),
    ],
)
def test_bad_input_is_refused_in_the_users_language(client, city, people, overrides, message_fr):
    client.force_login(people["practitioner"])
    response = client.post(
        "/fr/practices/new/",
        form_data(city=city.pk, language="en", **overrides),
    )
    assert response.status_code == 200
    assert message_fr in response.content.decode()
    assert not Practice.objects.exists()


def test_spanish_messages_too(client, city, people):
    client.force_login(people["practitioner"])
    response = client.post(
        "/es/practices/new/",
        form_data(city=city.pk, language="en", start_year="2020", end_year="2018"),
    )
    assert "El año de fin no puede ser anterior al año de inicio." in response.content.decode()


def test_cannot_write_for_a_city_one_is_not_member_of(client, people, other_city):
    client.force_login(people["practitioner"])
    response = client.post("/fr/practices/new/", form_data(city=other_city.pk, language="en"))
    assert (
        "Vous ne pouvez rédiger des pratiques que pour une ville dont vous êtes membre."
        in response.content.decode()
    )
    assert not Practice.objects.exists()


def test_non_members_cannot_open_the_editor(client, people):
    client.force_login(people["nobody"])
    assert client.get("/en/practices/new/").status_code == 403
    client.logout()
    assert client.get("/en/practices/new/").status_code == 302


@pytest.mark.parametrize(
    ("role", "state", "status"),
    [
        ("practitioner", "draft", 200),
        ("official", "changes_requested", 200),
        ("practitioner", "submitted", 403),
        ("practitioner", "published", 403),
        ("editor", "published", 200),
        ("editor", "archived", 403),
        ("other_practitioner", "draft", 404),
        ("other_official", "published", 403),
        ("broker", "draft", 404),
        ("nobody", "draft", 404),
    ],
)
def test_edit_permissions_from_outside(client, people, make_practice, role, state, status):
    practice = make_practice(state)
    client.force_login(people[role])
    assert client.get(f"/en/practices/{practice.pk}/edit/").status_code == status
    response = client.post(
        f"/en/practices/{practice.pk}/edit/",
        form_data(title="Hijacked", version=practice_form_version(practice)),
    )
    assert response.status_code == (302 if status == 200 else status)
    practice.refresh_from_db()
    assert (practice.original.title == "Hijacked") == (status == 200)


def test_anonymous_and_outsiders_get_404_for_a_draft(client, people, make_practice):
    practice = make_practice("draft")
    assert client.get(practice.get_absolute_url()).status_code == 404
    client.force_login(people["other_official"])
    assert client.get(practice.get_absolute_url()).status_code == 404
    assert (
        client.post(
            f"/en/practices/{practice.pk}/attachments/",
            {"file": SimpleUploadedFile("a.png", png_bytes())},
        ).status_code
        == 404
    )
    assert not PracticeAttachment.objects.exists()


def test_archived_is_reachable_with_a_notice_but_not_listed(client, make_practice):
    practice = make_practice("archived", text__title="Old bike scheme")
    page = client.get(practice.get_absolute_url()).content.decode()
    assert "archived" in page and "Old bike scheme" in page
    assert "Old bike scheme" not in client.get("/en/practices/").content.decode()


def test_attachments_checked_and_stored(client, people, make_practice, settings):
    practice = make_practice("draft")
    client.force_login(people["practitioner"])
    url = f"/en/practices/{practice.pk}/attachments/"
    client.post(
        url, {"file": SimpleUploadedFile("map.png", png_bytes(), "image/png"), "title": "Map"}
    )
    client.post(
        url, {"file": SimpleUploadedFile("report.pdf", b"%PDF-1.7\n...", "application/pdf")}
    )
    assert practice.attachments.count() == 2
    stored = practice.attachments.get(kind="image")
    assert stored.file.storage.exists(stored.file.name)

    def refused(name, content, language="fr"):
        response = client.post(
            url.replace("/en/", f"/{language}/"),
            {"file": SimpleUploadedFile(name, content)},
            follow=True,
        )
        assert response.status_code == 200
        return response.content.decode()

    assert "Seules les images" in refused("evil.svg", b"<svg onload=alert(1)>")
    assert "Seules les images" in refused("run.html", b"<script>")
    assert "n’est pas un document PDF" in refused("fake.pdf", b"MZ\x90\x00")
    assert "n’est pas l’image" in refused("fake.png", b"GIF89a....")
    settings.ATTACHMENT_MAX_IMAGE_BYTES = 100
    assert "la limite est de" in refused("big.png", png_bytes((200, 200)))
    assert practice.attachments.count() == 2
    # removing deletes the stored file after the commit
    client.post(f"/en/practices/{practice.pk}/attachments/{stored.pk}/delete/")
    assert practice.attachments.count() == 1


def png_header(width, height):
    """A PNG that says it is width x height: what Pillow reads at open (only its header), the
    way an image bomb of a few hundred kB announces hundreds of megapixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("width, height", [(20_000, 20_000), (12_000, 12_000), (40_000, 1_001)])
def test_image_bombs_are_refused_by_their_pixels(client, people, make_practice, width, height):
    """Issue 14, item 9: 400 megapixels gave a 500, 144 were accepted."""
    practice = make_practice("draft")
    client.force_login(people["practitioner"])
    response = client.post(
        f"/fr/practices/{practice.pk}/attachments/",
        {"file": SimpleUploadedFile("bomb.png", png_header(width, height), "image/png")},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "mégapixels" in page and "40" in page
    assert practice.attachments.count() == 0


def test_pixel_limit_is_a_setting_and_names_the_size(client, people, make_practice, settings):
    practice = make_practice("draft")
    client.force_login(people["practitioner"])
    settings.ATTACHMENT_MAX_IMAGE_PIXELS = 10_000
    response = client.post(
        f"/en/practices/{practice.pk}/attachments/",
        {"file": SimpleUploadedFile("map.png", png_bytes((200, 200)), "image/png")},
        follow=True,
    )
    assert "200 × 200 pixels" in response.content.decode()
    assert practice.attachments.count() == 0
    settings.ATTACHMENT_MAX_IMAGE_PIXELS = 40_000
    client.post(
        f"/en/practices/{practice.pk}/attachments/",
        {"file": SimpleUploadedFile("map.png", png_bytes((200, 200)), "image/png")},
    )
    assert practice.attachments.count() == 1


def test_others_cannot_remove_attachments(client, people, make_practice):
    practice = make_practice("draft")
    attachment = PracticeAttachment.objects.create(
        practice=practice,
        file="practices/x.pdf",
        kind="pdf",
        content_type="application/pdf",
        size=10,
    )
    practice.review_state = "published"
    practice.published_at = practice.created_at
    practice.save()
    client.force_login(people["other_practitioner"])
    assert (
        client.post(f"/en/practices/{practice.pk}/attachments/{attachment.pk}/delete/").status_code
        == 403
    )
    assert PracticeAttachment.objects.filter(pk=attachment.pk).exists()


def test_partner_cities_exclude_the_own_city(client, city, people):
    partner = CityFactory(name="Porto", slug="porto")
    client.force_login(people["practitioner"])
    response = client.post(
        "/en/practices/new/", form_data(city=city.pk, language="en", partner_cities=[partner.pk])
    )
    assert response.status_code == 302
    assert list(Practice.objects.get().partner_cities.all()) == [partner]


def test_my_practices_and_review_queue(client, people, make_practice, city):
    draft = make_practice("draft", text__title="My draft")
    older = make_practice("submitted", text__title="Older submission")
    newer = make_practice("submitted", text__title="Newer submission")
    Practice.objects.filter(pk=older.pk).update(submitted_at="2026-01-01T00:00:00Z")
    Practice.objects.filter(pk=newer.pk).update(submitted_at="2026-03-01T00:00:00Z")
    client.force_login(people["practitioner"])
    assert "My draft" in client.get("/en/practices/mine/").content.decode()
    assert client.get("/en/practices/review/").status_code == 403
    client.force_login(people["editor"])
    page = client.get("/en/practices/review/").content.decode()
    assert page.index("Older submission") < page.index("Newer submission")
    assert "My draft" not in page
    assert (
        "Older submission"
        not in client.get("/en/practices/review/", {"language": "fr"}).content.decode()
    )
    assert (
        "Older submission"
        in client.get(
            "/en/practices/review/", {"challenge": "sustainability", "region": "150"}
        ).content.decode()
    )
    assert (
        "Older submission"
        not in client.get("/en/practices/review/", {"region": "002"}).content.decode()
    )
    assert (
        client.get("/en/practices/review/", {"challenge": "nope", "language": "xx"}).status_code
        == 200
    )
    assert draft.pk


# -- issue 14, item 12: upload size checked before the body is read ---------------------------


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    client, people, make_practice, settings, media_root
):
    settings.ATTACHMENT_MAX_IMAGE_BYTES = 2_000
    settings.ATTACHMENT_MAX_PDF_BYTES = 3_000
    settings.UPLOAD_FORM_OVERHEAD_BYTES = 1_000
    practice = make_practice("draft")
    client.force_login(people["practitioner"])
    url = f"/fr/practices/{practice.pk}/attachments/"
    big = SimpleUploadedFile("report.pdf", b"%PDF-1.7\n" + b"x" * 10_000, "application/pdf")
    back = practice.get_absolute_url()
    response = client.post(url, {"file": big}, HTTP_REFERER=back)
    assert response.status_code == 413
    page = response.content.decode()
    assert "Le fichier est trop volumineux" in page
    assert f'href="{back}"' in page
    assert not PracticeAttachment.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))
    # the API answers in its own shape
    big.seek(0)
    api = client.post("/api/v1/practices/", {"file": big}, HTTP_ACCEPT_LANGUAGE="es")
    assert api.status_code == 413
    assert api.json()["code"] == "too_large"
    assert "demasiado grande" in api.json()["detail"]
    # within the limit, the upload goes through
    small = SimpleUploadedFile("note.pdf", b"%PDF-1.7\n...", "application/pdf")
    assert client.post(url, {"file": small}).status_code == 302
    assert PracticeAttachment.objects.count() == 1


def test_a_body_that_grows_past_the_limit_while_it_streams_is_stopped():
    """Without a trustworthy length (a chunked body, an ASGI server), the handler counts."""
    from django.core.files.uploadhandler import MemoryFileUploadHandler
    from django.http.multipartparser import MultiPartParser
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from core.uploads import LimitedUploadHandler

    body = encode_multipart(
        BOUNDARY, {"title": "x", "file": SimpleUploadedFile("a.pdf", b"%PDF" + b"y" * 500_000)}
    )
    stream = io.BytesIO(body)
    request = type("Request", (), {})()
    limited = LimitedUploadHandler(request, limit=100_000)
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    handlers = [limited, MemoryFileUploadHandler(request)]
    _post, files = MultiPartParser(meta, stream, handlers).parse()
    assert limited.exceeded
    assert not files  # nothing stored
    assert stream.tell() < len(body) // 2  # and the rest never read


def test_the_text_language_starts_as_the_authors_own(client, city, people):
    """Issue 16: a French-speaking city's practitioner found English preselected. The text's
    language starts as the one the author uses the site in."""
    client.force_login(people["practitioner"])
    for language in ("fr", "es", "en"):
        page = client.get(f"/{language}/practices/new/").content.decode()
        assert f'<option value="{language}" selected>' in page, language
