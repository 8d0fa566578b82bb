from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from core.languages import current_language
from core.permissions import is_editor, is_member
from core.web import attempt, form_error_text

from . import editing, pdf, selectors, services
from .files import attachment_response
from .forms import (
    AttachmentForm,
    CoverForm,
    PracticeForm,
    ReviewQueueFilter,
    TransitionForm,
    TranslationForm,
)
from .models import (
    LANGUAGES,
    SECTION_NAMES,
    Challenge,
    PendingImage,
    Practice,
    PracticeAttachment,
    PracticeTranslation,
)
from .pages import page_of_draft
from .permissions import can_delete, can_edit, was_published


def practice_list(request: HttpRequest) -> HttpResponse:
    challenge = request.GET.get("challenge", "")
    language = request.GET.get("language", "")
    if language not in dict(LANGUAGES):
        language = ""
    if challenge and not Challenge.objects.filter(slug=challenge).exists():
        challenge = ""
    practices = selectors.practice_published_list(challenge=challenge, language=language)
    page = Paginator(practices, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "practices/practice_list.html",
        {
            "page": page,
            "challenges": Challenge.objects.all(),
            "challenge": challenge,
            "language": language,
            "languages": LANGUAGES,
        },
    )


def _get_visible(request: HttpRequest, pk: int) -> Practice:
    try:
        return selectors.practice_get_visible(pk=pk, user=request.user)
    except Practice.DoesNotExist as exc:
        raise Http404(_("No such practice.")) from exc


@require_safe
def practice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The practice as a PDF in the reader's language, for whoever may read its page (a draft
    is refused to visitors and other cities exactly as its page is: 404)."""
    practice = _get_visible(request, pk)
    language = current_language()
    body = pdf.practice_pdf(
        practice=practice,
        language=language,
        page_url=request.build_absolute_uri(reverse("practice-detail", args=[practice.pk])),
    )
    response = HttpResponse(body, content_type="application/pdf")
    filename = pdf.practice_pdf_filename(practice=practice, language=language)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Made per request for this reader (drafts included): no shared cache may keep it.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _form_errors_from(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def practice_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    cities = [m.city for m in user.memberships.select_related("city")]
    if not cities:
        raise PermissionDenied(_("Only members of a city can write practices."))
    # The text's language starts as the one the author is using the site in (the page's):
    # a French-speaking practitioner on /fr/ writes in French. Not `preferred_language`,
    # whose default ("en") is set for everyone who never chose (it is the mails' language).
    preferred = current_language()
    form = PracticeForm(
        request.POST or None, request.FILES or None, cities=cities, initial={"language": preferred}
    )
    preview = None
    pending = _pending_cover(request, form, user) if request.method == "POST" else None
    if request.method == "POST" and form.is_valid():
        city = form.cleaned_data["city"]
        if "preview" in request.POST:
            preview = page_of_draft(
                data=form.practice_data(), city=city, language=form.cleaned_data["language"]
            )
        else:
            try:
                practice = services.practice_create(
                    by=user,
                    city=city,
                    language=form.cleaned_data["language"],
                    data=form.practice_data(),
                    cover=pending,
                    cover_alt=form.cleaned_data.get("cover_alt", ""),
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Draft saved. Submit it for review when it is ready."))
                return HttpResponseRedirect(practice.get_absolute_url())
    return render(
        request,
        "practices/practice_form.html",
        {
            "form": form,
            "page": preview,
            "preview": preview is not None,
            "practice": None,
            "pending_cover": pending,
            "pending_alt": form.data.get("cover_alt", "") if form.is_bound else "",
            "cover_fields": PracticeForm.COVER_FIELDS,
        },
    )


def _pending_cover(request: HttpRequest, form: PracticeForm, user: User) -> PendingImage | None:
    """The cover image of a new practice's form, kept across the form's round trips: the one
    chosen now (checked and kept at once, so that an error in another field does not lose
    it), else the one kept from an earlier submit, unless the author removed it. A file that
    cannot be used is refused here, in the form, with the reason."""
    pending = services.pending_image_get(pk=request.POST.get("pending_cover"), by=user)
    if pending is not None and request.POST.get("pending_cover_discard"):
        services.pending_image_discard(pending=pending)
        pending = None
    upload = request.FILES.get("cover_image")
    if upload is not None:
        try:
            kept = services.pending_image_store(by=user, upload=upload)
        except ValidationError as exc:
            form.upload_errors = exc.messages
        else:
            if pending is not None:
                services.pending_image_discard(pending=pending)
            pending = kept
    form.pending_cover = pending
    return pending


@login_required
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    practice = _get_visible(request, pk)
    if not can_edit(user, practice):
        raise PermissionDenied(_("You cannot edit this practice in its current state."))
    initial = {
        **services.practice_data_from(practice),
        "version": services.practice_form_version(practice),
    }
    form = PracticeForm(request.POST or None, initial=initial, own_city=practice.city)
    preview = conflict = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = page_of_draft(
                data=form.practice_data(),
                city=practice.city,
                language=practice.language,
                cover=practice.cover,
            )
        else:
            try:
                services.practice_update(
                    practice=practice,
                    by=user,
                    data=form.practice_data(),
                    form_version=form.cleaned_data["version"],
                )
            except editing.EditConflict:
                practice = _get_visible(request, pk)
                form, conflict = _practice_conflict(practice, form)
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(practice.get_absolute_url())
    return render(
        request,
        "practices/practice_form.html",
        {
            "form": form,
            "page": preview,
            "preview": preview is not None,
            "practice": practice,
            "conflict": conflict,
            "cover_fields": (),
        },
        status=409 if conflict else 200,
    )


def _practice_conflict(practice: Practice, posted: PracticeForm) -> tuple[PracticeForm, Any]:
    """The conflict page's content, and the form given back on the current version: the
    fields the user changed keep their text, the others take the current values."""
    changes = editing.changes(
        version=posted.cleaned_data["version"],
        current=editing.practice_values(services.practice_data_stored(practice)),
        submitted=editing.practice_values(posted.practice_data()),
        labels=editing.PRACTICE_FIELDS,
    )
    theirs = {**posted.cleaned_data, "links": "\n".join(posted.cleaned_data["links"])}
    current = services.practice_data_from(practice)
    take_current = {change.name for change in changes if not change.you_changed}
    initial = {
        name: current[name] if name in take_current else theirs.get(name)
        for name, _label in editing.PRACTICE_FIELDS
    }
    initial["version"] = services.practice_form_version(practice)
    form = PracticeForm(initial=initial, own_city=practice.city)
    return form, _conflict(changes, by=practice.edited_by, at=practice.edited_at)


def _conflict(changes: list[editing.FieldChange], *, by: Any, at: Any) -> dict[str, Any]:
    return {"changes": changes, "by": by, "at": at}


@login_required
def practice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the deletion (POST). Whether the practice may be deleted
    is the service's to say: refused, the practice's page explains why."""
    practice = _get_visible(request, pk)
    user = cast(User, request.user)
    if request.method == "POST":
        title = str(practice)
        if attempt(
            request,
            lambda: services.practice_delete(practice=practice, by=user),
            success=_("The draft “%(title)s” was deleted.") % {"title": title},
        ):
            return HttpResponseRedirect(reverse("practice-mine"))
        return HttpResponseRedirect(practice.get_absolute_url())
    if not can_delete(user, practice):
        if not is_member(user, practice.city_id):
            raise PermissionDenied(_("Only members of the practice's city can delete its drafts."))
        messages.warning(
            request,
            _("This practice has been published: it cannot be deleted. Archive it instead.")
            if was_published(practice)
            else _("This practice is waiting for review: withdraw it to draft before deleting it."),
        )
        return HttpResponseRedirect(practice.get_absolute_url())
    return render(request, "practices/practice_confirm_delete.html", {"practice": practice})


# What a review step did, said to the person who took it (issue 15: "Done." said nothing).
STEP_DONE = {
    "submit": gettext_lazy(
        "The practice is submitted for review. The secretariat's editors are told; you will "
        "hear when it is published or needs changes."
    ),
    "withdraw": gettext_lazy("The practice is back in draft: you can edit it again."),
    "publish": gettext_lazy("The practice is published: everyone can find it now."),
    "request_changes": gettext_lazy("Changes are requested. The authors are told, with your note."),
    "unpublish": gettext_lazy(
        "The practice is unpublished and back with its authors, with your note."
    ),
    "archive": gettext_lazy("The practice is archived: it no longer appears in search."),
    "restore": gettext_lazy("The practice is published again."),
}


@login_required
@require_POST
def practice_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    practice = _get_visible(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(practice.get_absolute_url())
    attempt(
        request,
        lambda: services.practice_transition(
            practice=practice,
            by=cast(User, request.user),
            name=name,
            note=form.cleaned_data["note"],
        ),
        success=STEP_DONE.get(name, _("Done.")),
    )
    return HttpResponseRedirect(practice.get_absolute_url())


@login_required
def practice_translation(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    user = cast(User, request.user)
    practice = _get_visible(request, pk)
    if language not in dict(LANGUAGES) or language == practice.language:
        raise Http404(_("No such translation."))
    if not (can_edit(user, practice) or is_editor(user)):
        raise PermissionDenied(_("You cannot translate this practice."))
    existing = practice.text_in(language, fallback=False)
    initial: dict[str, Any] = {"version": services.translation_form_version(existing)}
    if existing:
        initial.update({f: getattr(existing, f) for f in ("title", "summary", *SECTION_NAMES)})
        initial["quality"] = existing.quality
    form = TranslationForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST":
        if "delete" in request.POST and existing:
            services.practice_translation_delete(practice=practice, by=user, language=language)
            messages.success(request, _("Translation deleted."))
            return HttpResponseRedirect(practice.get_absolute_url())
        if form.is_valid():
            try:
                services.practice_translation_set(
                    practice=practice,
                    by=user,
                    language=language,
                    text=form.practice_text(),
                    quality=form.cleaned_data["quality"],
                    form_version=form.cleaned_data["version"],
                )
            except editing.EditConflict:
                practice = _get_visible(request, pk)
                existing = practice.text_in(language, fallback=False)
                form, conflict = _translation_conflict(existing, form)
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Translation saved."))
                return HttpResponseRedirect(practice.get_absolute_url())
    return render(
        request,
        "practices/translation_form.html",
        {
            "form": form,
            "practice": practice,
            "language": language,
            "language_name": dict(LANGUAGES)[language],
            "existing": existing,
            "original": practice.original,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


def _translation_conflict(
    existing: PracticeTranslation | None, posted: TranslationForm
) -> tuple[TranslationForm, Any]:
    """As _practice_conflict, for a translation (deleted meanwhile: `existing` is None)."""
    changes = editing.changes(
        version=posted.cleaned_data["version"],
        current=services.translation_stored_values(existing),
        submitted=editing.translation_values(
            posted.practice_text(), posted.cleaned_data["quality"]
        ),
        labels=editing.TRANSLATION_FIELDS,
    )
    take_current = {change.name for change in changes if not change.you_changed}
    initial = {
        name: (getattr(existing, name, "") if name in take_current else posted.cleaned_data[name])
        for name, _label in editing.TRANSLATION_FIELDS
    }
    initial["version"] = services.translation_form_version(existing)
    form = TranslationForm(initial=initial)
    return form, _conflict(
        changes,
        by=existing.text_edited_by if existing else None,
        at=existing.text_updated_at if existing else None,
    )


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _get_visible(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(practice.get_absolute_url())
    attempt(
        request,
        lambda: services.practice_attachment_add(
            practice=practice,
            by=cast(User, request.user),
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            alt_text=form.cleaned_data["alt_text"],
            as_cover=form.cleaned_data["cover"],
        ),
        success=_("File attached."),
    )
    return HttpResponseRedirect(practice.get_absolute_url())


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    practice = _get_visible(request, pk)
    try:
        attachment = practice.attachments.get(pk=attachment_id)
    except PracticeAttachment.DoesNotExist as exc:
        raise Http404(_("No such file.")) from exc
    services.practice_attachment_remove(attachment=attachment, by=cast(User, request.user))
    messages.success(request, _("File removed."))
    return HttpResponseRedirect(practice.get_absolute_url())


@require_safe
def attachment_file(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """An attachment, to whoever may read its practice (404 for everyone else, as for the
    practice); how it is sent is practices.files.attachment_response."""
    try:
        attachment = selectors.attachment_get_visible(
            attachment_id=attachment_id, user=request.user
        )
    except PracticeAttachment.DoesNotExist as exc:
        raise Http404(_("No such file.")) from exc
    return attachment_response(attachment)


@require_safe
def attachment_thumbnail(request: HttpRequest, attachment_id: int, width: int) -> HttpResponseBase:
    """A smaller copy of an image (practices.images), to whoever may read the image."""
    try:
        attachment = selectors.attachment_get_visible(
            attachment_id=attachment_id, user=request.user
        )
    except PracticeAttachment.DoesNotExist as exc:
        raise Http404(_("No such file.")) from exc
    return attachment_response(attachment, width=width)


@login_required
@require_safe
def pending_image(request: HttpRequest, pending_id: int) -> HttpResponseBase:
    """A kept cover image of a new practice's form (models.PendingImage), to its uploader
    only, for the form's preview. Never cached."""
    pending = services.pending_image_get(pk=pending_id, by=cast(User, request.user))
    if pending is None:
        raise Http404(_("No such file."))
    try:
        stream = pending.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("No such file.")) from exc
    response = FileResponse(stream, content_type=pending.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def practice_cover(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose one of the practice's images as its cover (with its alternative text), or
    remove the cover."""
    practice = _get_visible(request, pk)
    form = CoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(practice.get_absolute_url())
    attachment = None
    if not form.cleaned_data["remove"]:
        attachment = practice.attachments.filter(pk=form.cleaned_data["attachment"]).first()
        if attachment is None:
            raise Http404(_("No such file."))
    attempt(
        request,
        lambda: services.practice_cover_set(
            practice=practice,
            by=cast(User, request.user),
            attachment=attachment,
            alt_text=form.cleaned_data["alt_text"],
        ),
        success=_("Cover chosen.") if attachment else _("Cover removed."),
    )
    return HttpResponseRedirect(practice.get_absolute_url())


@login_required
def practice_mine(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    practices = selectors.practice_list_for_member(user=user)
    page = Paginator(practices, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "practices/practice_mine.html",
        {"page": page, "can_write": user.memberships.exists()},
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not is_editor(user):
        raise PermissionDenied(_("The review queue is for the secretariat's editors."))
    filters = ReviewQueueFilter(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    practices = selectors.practice_review_queue(
        user=user,
        challenge=data.get("challenge"),
        region=data.get("region") or "",
        language=data.get("language") or "",
    )
    page = Paginator(practices, 30).get_page(request.GET.get("page"))
    from cities.selectors import region_list

    return render(
        request,
        "practices/review_queue.html",
        {
            "page": page,
            "filters": filters,
            "regions": region_list(),
            "quality": PracticeTranslation.Quality,
        },
    )
