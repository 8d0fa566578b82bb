"""How an attachment's bytes leave the platform, once its reader has been checked (by
practices.views.attachment_file for pages and by the API's own endpoint, each through
practices.selectors.attachment_get_visible).

Decisions:
- The app decides, the front server sends: with ATTACHMENT_ACCEL_REDIRECT set (production,
  nginx, docs/operations.md) the answer is an empty response whose X-Accel-Redirect names the
  file in an `internal` location, which no client can request directly; without it (the
  development server, small installs) this process streams the file.
- Images are shown inline (the practice page shows them); PDFs are downloads, so a document
  from outside is never rendered as a page of the site. The name offered is the uploader's,
  cleaned (PracticeAttachment.original_name); the stored name is a random token.
- A thumbnail (practices.images) goes out the same way, under the same checks and cache
  rule, as its attachment: it is the attachment in another size.
- Content-Type is the type checked at upload, never guessed from the bytes (nosniff).
- Files of a practice that is not public are private to the reader's browser and revalidated
  on every use, so no shared cache keeps a draft's file, and an unpublication is not undone by
  a cache; public ones may be cached for an hour.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .images import THUMBNAIL_CONTENT_TYPE
from .models import PracticeAttachment
from .selectors import PUBLIC_STATES


def attachment_response(
    attachment: PracticeAttachment, *, width: int | None = None
) -> HttpResponseBase:
    """The attachment's file, or (`width`) its thumbnail of that width (404 if it has none)."""
    inline = attachment.kind == PracticeAttachment.Kind.IMAGE
    stored, content_type = attachment.file.name, attachment.content_type
    name = attachment.original_name or f"attachment-{attachment.pk}"
    if width is not None:
        thumbnail = attachment.thumbnail(width)
        if thumbnail is None:
            raise Http404(_("No such file."))
        stored, content_type = thumbnail["name"], THUMBNAIL_CONTENT_TYPE
        name = f"{name.rsplit('.', 1)[0]}-{width}.webp"
    prefix = settings.ATTACHMENT_ACCEL_REDIRECT
    response: HttpResponseBase
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(stored)
    else:
        try:
            stream = attachment.file.storage.open(stored, "rb")
        except FileNotFoundError as exc:
            raise Http404(_("No such file.")) from exc
        response = FileResponse(stream, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    public = attachment.practice.review_state in PUBLIC_STATES
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-cache"
    return response
