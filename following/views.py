"""Pages of following: saved searches, my list, and unsubscribing from a digest."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from core.web import error_text, form_error_text
from practices.models import Practice

from . import selectors, services
from .forms import FrequencyForm, SaveSearchForm
from .models import SavedSearch


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _own_search(request: HttpRequest, pk: int) -> SavedSearch:
    found = selectors.saved_search_list(user=cast(User, request.user)).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such saved search."))
    return found


@login_required
def saved_searches(request: HttpRequest) -> HttpResponse:
    searches = list(selectors.saved_search_list(user=cast(User, request.user)))
    for saved in searches:
        saved.form = FrequencyForm(  # type: ignore[attr-defined]
            initial={"frequency": saved.frequency}, prefix=f"s{saved.pk}"
        )
    return render(request, "following/saved_searches.html", {"searches": searches})


@login_required
def saved_search_save(request: HttpRequest) -> HttpResponse:
    """GET: the form for the search in ?query=; POST: save it. The search page posts here."""
    data = request.POST if request.method == "POST" else None
    query = (data or request.GET).get("query", "")
    form = SaveSearchForm(data, initial={"query": query})
    if data is not None and form.is_valid():
        try:
            services.saved_search_save(
                user=cast(User, request.user),
                query_string=form.cleaned_data["query"],
                name=form.cleaned_data["name"],
                frequency=form.cleaned_data["frequency"],
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("Search “%(name)s” saved. Change its e-mail or delete it here.")
                % {"name": form.cleaned_data["name"]},
            )
            return HttpResponseRedirect(reverse("following-searches"))
    try:
        normalised = services.saved_search_normalise(query_string=query)
    except ValidationError:
        normalised = ""
    status = 400 if data is not None else 200
    return render(
        request,
        "following/save_search.html",
        {"form": form, "search_url": reverse("search") + "?" + normalised},
        status=status,
    )


@login_required
@require_POST
def saved_search_update(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _own_search(request, pk)
    form = FrequencyForm(request.POST, prefix=f"s{saved.pk}")
    if not form.is_valid():
        messages.error(request, form_error_text(form))
    else:
        services.saved_search_set_frequency(
            saved=saved, by=cast(User, request.user), frequency=form.cleaned_data["frequency"]
        )
        messages.success(
            request,
            _("“%(name)s”: %(frequency)s.")
            % {"name": saved.name, "frequency": saved.get_frequency_display()},
        )
    return HttpResponseRedirect(reverse("following-searches"))


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _own_search(request, pk)
    services.saved_search_delete(saved=saved, by=cast(User, request.user))
    messages.success(request, _("Saved search “%(name)s” deleted.") % {"name": saved.name})
    return HttpResponseRedirect(reverse("following-searches"))


@login_required
def my_list(request: HttpRequest) -> HttpResponse:
    bookmarks = list(selectors.bookmark_list(user=cast(User, request.user)))
    return render(request, "following/my_list.html", {"bookmarks": bookmarks})


@login_required
@require_POST
def bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    """Add (action=add) or remove (action=remove) a practice from the user's list; back to the
    page the button was on."""
    user = cast(User, request.user)
    remove = request.POST.get("action") == "remove"
    # Only published practices go on a list (404 for others, as their pages answer to those
    # who may not see them); one that was unpublished since can still be taken off.
    practices = (
        Practice.objects.all()
        if remove
        else Practice.objects.filter(review_state=Practice.ReviewState.PUBLISHED)
    )
    practice = practices.filter(pk=pk).first()
    if practice is None:
        raise Http404(_("No such practice."))
    if remove:
        services.bookmark_remove(user=user, practice=practice)
        messages.success(request, _("Removed from your list."))
    else:
        try:
            services.bookmark_add(user=user, practice=practice)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Added to your list."))
    return HttpResponseRedirect(_next(request, reverse("following-list")))


# RFC 8058: the mail provider's one-click unsubscribe is a POST with no cookie and no CSRF
# token. The signed token in the URL is what authorises it (following.services).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        targets = services.unsubscribe_targets(token=token)
    except signing.BadSignature:
        return render(request, "following/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        stopped = services.unsubscribe(token=token)
        return render(request, "following/unsubscribe_done.html", {"stopped": stopped})
    return render(request, "following/unsubscribe.html", {"targets": targets, "token": token})
