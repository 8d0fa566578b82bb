"""The conversation pages: the inbox, a thread, opening the thread of a request or of a
proposal, asking a practice's city a question, and naming a practice's contact people."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from cities.models import CityMembership
from core.languages import current_language
from exchanges.explanations import explanation_sentences
from exchanges.models import Match
from exchanges.selectors import request_visible_to
from practices.models import Practice
from practices.selectors import practice_get_visible

from . import selectors, services
from .forms import ContactsForm, MessageForm
from .models import Thread
from .titles import thread_title


def _thread_or_404(request: HttpRequest, pk: int) -> Thread:
    try:
        return (
            selectors.thread_visible_to(user=request.user)
            .select_related(
                "request__city",
                "request__broker",
                "match__request__city",
                "match__peer_city__country",
                "match__exchange",
                "practice__city",
                "asker",
                "asker_city",
            )
            .get(pk=pk)
        )
    except Thread.DoesNotExist as exc:
        raise Http404(_("No such conversation.")) from exc


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    page = Paginator(selectors.thread_inbox(user=user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "conversations/inbox.html",
        {"page": page, "rows": [(t, thread_title(t)) for t in page]},
    )


def _proposal_context(thread: Thread) -> dict[str, Any]:
    """Why the peer city was proposed and which of its practices matter, for every reader."""
    match = thread.match
    if match is None:
        return {}
    language = current_language()
    practices = [(p, p.text_in(language)) for p in match.practices.prefetch_related("translations")]
    return {
        "match": match,
        "reasons": explanation_sentences(match.explanation),
        "match_practices": practices,
    }


@login_required
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    thread = _thread_or_404(request, pk)
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_post(thread=thread, by=user, body=form.cleaned_data["body"])
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("body", message)
            else:
                messages.success(
                    request,
                    _("Your message was posted; the other participants get it by e-mail."),
                )
                return HttpResponseRedirect(reverse("conversation-detail", args=[thread.pk]))
        status = 400
    services.thread_mark_read(thread=thread, by=user)
    context = {
        "thread": thread,
        "title": thread_title(thread),
        "thread_messages": selectors.thread_messages(thread=thread),
        "participants": selectors.thread_participants(thread=thread),
        "form": form,
        **_proposal_context(thread),
    }
    return render(request, "conversations/thread.html", context, status=status)


@login_required
def open_for_request(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    found = request_visible_to(user=user).select_related("city").filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such request."))
    try:
        thread = services.thread_open_for_request(request=found, by=user)
    except PermissionDenied as exc:
        # A peer city may see the request but not the requester's talk with the secretariat.
        raise Http404(_("No such conversation.")) from exc
    return HttpResponseRedirect(reverse("conversation-detail", args=[thread.pk]))


@login_required
def open_for_match(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    visible = request_visible_to(user=user).values("pk")
    match = (
        Match.objects.filter(pk=pk, request_id__in=visible)
        .select_related("request__city", "peer_city")
        .first()
    )
    if match is None:
        raise Http404(_("No such proposal."))
    try:
        thread = services.thread_open_for_match(match=match, by=user)
    except PermissionDenied as exc:
        raise Http404(_("No such conversation.")) from exc
    return HttpResponseRedirect(reverse("conversation-detail", args=[thread.pk]))


def _practice_or_404(request: HttpRequest, pk: int) -> Practice:
    try:
        return practice_get_visible(pk=pk, user=request.user)
    except Practice.DoesNotExist as exc:
        raise Http404(_("No such practice.")) from exc


@login_required
def practice_ask(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    practice = _practice_or_404(request, pk)
    if not services.practice_question_can_ask(practice=practice, user=user):
        raise PermissionDenied(
            _("Members of another city ask the practice's city questions from here.")
        )
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                thread = services.practice_question_ask(
                    practice=practice, by=user, body=form.cleaned_data["body"]
                )
            except services.QuestionLimitReached as exc:
                form.add_error(None, " ".join(exc.messages))
                status = 429
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("body", message)
            else:
                messages.success(
                    request,
                    _(
                        "Your question was sent to %(city)s; the answer will arrive here and "
                        "by e-mail."
                    )
                    % {"city": practice.city.label},
                )
                return HttpResponseRedirect(reverse("conversation-detail", args=[thread.pk]))
    text = practice.text_in(current_language())
    return render(
        request,
        "conversations/ask.html",
        {
            "practice": practice,
            "practice_title": text.title if text else str(practice),
            "contacts": selectors.practice_contacts(practice_id=practice.pk),
            "questions_left": services.practice_questions_left(user=user),
            "form": form,
        },
        status=status,
    )


@login_required
def practice_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    practice = _practice_or_404(request, pk)
    if not services.practice_can_edit_contacts(practice=practice, user=user):
        raise PermissionDenied(_("Only the practice's city names its contact people."))
    members = User.objects.filter(
        pk__in=CityMembership.objects.filter(city_id=practice.city_id, user__is_active=True).values(
            "user_id"
        )
    ).order_by("last_name", "first_name", "email")
    current = selectors.practice_contacts(practice_id=practice.pk)
    form = ContactsForm(
        request.POST or None, members=members, initial={"contacts": [u.pk for u in current]}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.practice_contacts_set(
                    practice=practice, by=user, users=list(form.cleaned_data["contacts"])
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("contacts", message)
            else:
                messages.success(request, _("The practice's contact people were saved."))
                return HttpResponseRedirect(practice.get_absolute_url())
    text = practice.text_in(current_language())
    return render(
        request,
        "conversations/contacts.html",
        {
            "practice": practice,
            "practice_title": text.title if text else str(practice),
            "form": form,
        },
        status=status,
    )
