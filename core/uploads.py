"""Upload bodies are refused while they arrive, not after: settings.UPLOAD_MAX_BYTES, the largest
attachment allowed (ATTACHMENT_MAX_IMAGE_BYTES or ATTACHMENT_MAX_PDF_BYTES, whichever is
larger) plus UPLOAD_FORM_OVERHEAD_BYTES for the form's other fields and the multipart framing.

- A multipart request that declares a larger Content-Length is answered before one byte of its
  body is read.
- Every other multipart body is counted while it streams: the upload handler stops it as soon
  as it passes the limit, before any handler behind it (memory or temporary file) stores what
  comes after, and the rest of the body is not read. Under WSGI Django reads no more than the
  declared length, so this is the guard for servers that hand over a body of unknown length
  (chunked, ASGI) and for whatever reads uploads without this middleware's first check.

Either way the answer is 413 with a sentence in the reader's language: the API's error shape
for /api/, a page with the message (and a way back) elsewhere. The per-kind limits (an image
may be smaller than a PDF) are the attachment service's to check, on what got through.

In production the front server should refuse sooner still (nginx `client_max_body_size`, set
to the same figure): this is the application's own guard, which holds whatever is in front.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def upload_limit() -> int:
    return (
        max(settings.ATTACHMENT_MAX_IMAGE_BYTES, settings.ATTACHMENT_MAX_PDF_BYTES)
        + settings.UPLOAD_FORM_OVERHEAD_BYTES
    )


class LimitedUploadHandler(FileUploadHandler):
    """First of the request's upload handlers: passes chunks on until the body has grown past
    the limit, then ends the upload without reading further."""

    def __init__(self, request: HttpRequest, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._stop()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _stop(self) -> None:
        self.exceeded = True
        raise StopUpload(connection_reset=True)


def _declared_length(request: HttpRequest) -> int | None:
    raw = str(request.META.get("CONTENT_LENGTH") or "")
    return int(raw) if raw.isdigit() else None


class UploadLimitMiddleware:
    """Put before CsrfViewMiddleware: its check reads the form, which starts the upload."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method != "POST" or not str(request.content_type or "").startswith("multipart/"):
            return None
        limit = upload_limit()
        declared = _declared_length(request)
        if declared is not None and declared > limit:
            return _too_large(request, limit)
        handler = LimitedUploadHandler(request, limit=limit)
        # Still a plain list: nothing has read the body yet (Django freezes it at parsing).
        request.upload_handlers = [handler, *request.upload_handlers]
        request.POST  # noqa: B018 (parse now, with the handler, before anyone else reads it)
        if handler.exceeded:
            for name in request.FILES:
                for uploaded in request.FILES.getlist(name):
                    uploaded.close()
            return _too_large(request, limit)
        return None


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = _(
        "The file is too large: a request may carry at most %(size)d MB. "
        "Make the file smaller and send it again."
    ) % {"size": limit // (1024 * 1024)}
    if request.path.startswith("/api/"):
        body = {"code": "too_large", "detail": message, "errors": {}}
        response: HttpResponse = JsonResponse(body, status=413)
    else:
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = ""
        response = render(request, "413.html", {"message": message, "back": back}, status=413)
    return response
