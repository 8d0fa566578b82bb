from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from core.languages import current_language
from core.permissions import is_editor, is_member
from core.web import attempt, form_error_text

from . import editing, pdf, selectors, services
from .files import attachment_response
from .forms import AttachmentForm, PracticeForm, ReviewQueueFilter, TransitionForm, TranslationForm
from .models import (
    LANGUAGES,
    SECTION_NAMES,
    Challenge,
    Practice,
    PracticeAttachment,
    PracticeTranslation,
)
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
    form = PracticeForm(request.POST or None, cities=cities, initial={"language": preferred})
    preview = None
    if request.method == "POST" and form.is_valid():
        city = form.cleaned_data["city"]
        if "preview" in request.POST:
            preview = form.practice_text()
        else:
            try:
                practice = services.practice_create(
                    by=user,
                    city=city,
                    language=form.cleaned_data["language"],
                    data=form.practice_data(),
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Draft saved. Submit it for review when it is ready."))
                return HttpResponseRedirect(practice.get_absolute_url())
    return render(
        request,
        "practices/practice_form.html",
        {"form": form, "preview": preview, "practice": None},
    )


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
            preview = form.practice_text()
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
        {"form": form, "preview": preview, "practice": practice, "conflict": conflict},
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
        success=_("Done."),
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
