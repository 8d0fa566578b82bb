"""Attachments are served only through the view that applies the practice's visibility
(practices.views.attachment_file, practices.files), under random stored names; the outside
tester read a draft's image at /media/practices/<id>/<original name>."""

import importlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches
from PIL import Image

from practices.models import PracticeAttachment
from practices.services import practice_attachment_add

pytestmark = pytest.mark.django_db


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def attach(people):
    def attach(practice, name="Plan du m\x1bétro.png", content=None):
        content = (
            content if content is not None else (PDF if name.endswith(".pdf") else png_bytes())
        )
        return practice_attachment_add(
            practice=practice,
            by=people["practitioner"],
            upload=SimpleUploadedFile(name, content),
            title="",
        )

    return attach


def made_public(attachment, state="published"):
    """The practice moves on after the file was attached (members attach to drafts)."""
    from django.utils import timezone

    from practices.models import Practice

    Practice.objects.filter(pk=attachment.practice_id).update(
        review_state=state, published_at=timezone.now()
    )
    attachment.refresh_from_db()
    return attachment


def _get(client, attachment, user=None):
    if user is not None:
        client.force_login(user)
    return client.get(f"/attachments/{attachment.pk}/")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("other_practitioner", 404),
        ("other_official", 404),
        ("broker", 404),
        ("nobody", 404),
        ("practitioner", 200),
        ("official", 200),
        ("editor", 200),
    ],
)
def test_a_drafts_file_only_for_the_city_and_editors(
    client, people, make_practice, attach, role, status
):
    attachment = attach(make_practice("draft"))
    response = _get(client, attachment, None if role == "anonymous" else people[role])
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == png_bytes()
        assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("state", ["published", "archived"])
def test_a_public_practices_file_for_everyone(client, make_practice, attach, state):
    attachment = made_public(attach(make_practice("draft")), state)
    response = _get(client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=3600"
    # shown inline, offered under the uploader's name without its control character
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''Plan%20du%20m%C3%A9tro.png"
    )


def test_a_pdf_is_a_download(client, make_practice, attach):
    attachment = made_public(attach(make_practice("draft"), name="report.pdf"))
    response = _get(client, attachment)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'


def test_stored_name_is_random_and_not_the_original(make_practice, attach):
    practice = make_practice("draft")
    first, second = attach(practice), attach(practice)
    assert first.original_name == "Plan du métro.png"
    for attachment in (first, second):
        assert "Plan" not in attachment.file.name and "tro" not in attachment.file.name
        assert attachment.file.name.startswith(f"practices/{practice.pk}/")
        assert attachment.file.name.endswith(".png")
        assert len(attachment.file.name.rsplit("/", 1)[-1]) >= 32
    assert first.file.name != second.file.name


def test_original_names_are_cleaned(make_practice, attach):
    practice = make_practice("draft")
    hidden = attach(practice, name="..\\..\\.hidden.PDF", content=PDF)
    assert hidden.original_name == "hidden.PDF"
    assert attach(practice, name=".png").original_name == "attachment.png"


@pytest.fixture
def debug_urls(settings):
    """The URLs as the development server builds them (DEBUG on at import time)."""
    import config.urls

    settings.DEBUG = True
    clear_url_caches()
    importlib.reload(config.urls)
    yield
    settings.DEBUG = False
    clear_url_caches()
    importlib.reload(config.urls)


def test_media_url_does_not_serve_attachments_even_in_debug(
    client, make_practice, attach, debug_urls, people
):
    attachment = attach(make_practice("draft"))
    client.force_login(people["practitioner"])
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    assert (
        client.get(f"/media/practices/{attachment.practice_id}/Plan%20du%20métro.png").status_code
        == 404
    )
    assert _get(client, attachment).status_code == 200


def test_the_front_server_sends_the_bytes_when_configured(
    client, people, make_practice, attach, settings
):
    settings.ATTACHMENT_ACCEL_REDIRECT = "/protected-media/"
    attachment = attach(make_practice("draft"))
    response = _get(client, attachment, people["practitioner"])
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{attachment.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline; ")
    assert response["Cache-Control"] == "private, no-cache"
    # the decision is still the app's: no redirect for someone who may not read the draft
    client.force_login(people["other_practitioner"])
    refused = _get(client, attachment)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_the_practice_page_links_through_the_view(client, make_practice, attach):
    attachment = made_public(attach(make_practice("draft")))
    page = client.get(attachment.practice.get_absolute_url()).content.decode()
    assert f'src="/attachments/{attachment.pk}/"' in page
    assert "/media/" not in page


def test_the_migration_moves_files_to_random_names(
    make_practice, settings, django_capture_on_commit_callbacks
):
    from django.apps import apps

    migration = importlib.import_module("practices.migrations.0008_attachment_private_names")
    practice = make_practice("draft")
    attachment = PracticeAttachment(
        practice=practice, kind="pdf", content_type="application/pdf", size=len(PDF)
    )
    # as the old code stored it: under the uploader's name
    attachment.file.save("unused", ContentFile(PDF), save=False)
    storage = attachment.file.storage
    storage.delete(attachment.file.name)
    old = storage.save(f"practices/{practice.pk}/Budget 2024.pdf", ContentFile(PDF))
    attachment.file.name = old
    attachment.save()

    with django_capture_on_commit_callbacks(execute=True):
        migration.move_to_random_names(apps, None)

    attachment.refresh_from_db()
    assert attachment.original_name == "Budget 2024.pdf"
    assert "Budget" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert storage.open(attachment.file.name).read() == PDF
    assert not storage.exists(old)


def test_there_is_no_route_under_media_url():
    """The URLconf has no route under MEDIA_URL at all."""
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/media/practices/1/plan.png")
    assert Client().get("/media/practices/1/plan.png").status_code == 404


def test_the_admin_links_through_the_view_too(admin_client, make_practice, attach):
    attachment = attach(make_practice("draft"))
    page = admin_client.get(f"/admin/practices/practice/{attachment.practice_id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/attachments/{attachment.pk}/"' in html
    assert "/media/" not in html
