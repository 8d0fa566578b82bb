"""Pages that show several apps at once. Each keeps its URL name, path and template; it moved
here from the app it was written in so that app no longer imports the ones above it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import User
from cities import selectors as city_selectors
from cities.maps import CityMap, city_map
from cities.models import City, CityMembership
from conversations.models import MESSAGE_LIMIT
from conversations.selectors import practice_contacts
from conversations.services import practice_can_edit_contacts, practice_question_can_ask
from core.languages import current_language
from exchanges.selectors import (
    city_dashboard,
    exchanges_of_city_public,
    request_exchange_offered,
)
from practices import selectors as practice_selectors
from practices.forms import AttachmentForm, TransitionForm
from practices.models import LANGUAGES, Challenge, Practice
from practices.pages import page_of
from search.selectors import practice_similar


def _city_map(cities: QuerySet[City], *, focus: City | None = None) -> CityMap:
    """The map of `cities`, each with its published practices counted (cities/maps.py); the
    focused city is on it even when it is not a member."""
    if focus is not None:
        cities = cities | City.objects.filter(pk=focus.pk)
    counted = cities.filter(latitude__isnull=False, longitude__isnull=False).annotate(
        published_count=practice_selectors.published_count()
    )
    return city_map(cities=((c, c.published_count) for c in counted), focus=focus)


def city_list(request: HttpRequest) -> HttpResponse:
    """The city directory, with each city's published practices counted."""
    query = request.GET.get("q", "").strip()[:100]
    region = request.GET.get("region", "").strip()[:3]
    cities = city_selectors.city_directory(query=query, region_code=region)
    # Sorted in the reader's language (names differ: Londres, Le Cap): in Python, as the
    # database's collation cannot ignore accents everywhere; a directory is a few hundred rows.
    rows = city_selectors.city_sorted(
        cities.annotate(published_count=practice_selectors.published_count())
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "cities/city_list.html",
        {
            "page": page,
            "query": query,
            "region": region,
            "regions": city_selectors.region_list(),
            # Every city the filters match, not only this page's: the map is the whole answer.
            "city_map": _city_map(cities),
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    challenges = Challenge.objects.annotate(published_count=practice_selectors.published_count())
    return render(
        request,
        "home.html",
        {
            "challenges": challenges,
            "recent": practice_selectors.practice_published_list()[:6],
            "most_adapted": practice_selectors.practice_most_adapted(),
            "member_count": City.objects.filter(member_status=City.MemberStatus.ACTIVE).count(),
            "city_map": _city_map(city_selectors.city_directory()),
        },
    )


def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The practice in the visitor's language, what they may do with it, and (from search) the
    practices like it."""
    try:
        practice = practice_selectors.practice_get_visible(pk=pk, user=request.user)
    except Practice.DoesNotExist as exc:
        raise Http404(_("No such practice.")) from exc
    user = request.user
    language = current_language()
    text = practice.text_in(language)
    allowed = practice_selectors.practice_permissions_for(practice=practice, user=user)
    return render(
        request,
        "practices/practice_detail.html",
        {
            "practice": practice,
            "text": text,
            "page": page_of(practice, text),
            "shown_language": text.language_code if text else practice.language,
            "is_fallback": text is not None and text.language_code != language,
            "translations": sorted(
                practice.translations.all(),
                key=lambda t: (t.language_code != practice.language, t.language_code),
            ),
            "insider": allowed.sees_history,
            "can_edit": allowed.can_edit,
            "can_delete": allowed.can_delete,
            "steps": allowed.transitions,
            "step_form": TransitionForm(),
            "attachment_form": AttachmentForm(),
            "languages": LANGUAGES,
            "similar": practice_similar(practice=practice) if practice.is_published else [],
            # Asking the practice's city (conversations): members of another city ask; its own
            # members name who answers.
            "contact_people": practice_contacts(practice_id=practice.pk),
            "can_ask": practice_question_can_ask(practice=practice, user=user),
            "can_edit_contacts": practice_can_edit_contacts(practice=practice, user=user),
            "message_limit": MESSAGE_LIMIT,
            "ask_exchange": practice.is_published
            and request_exchange_offered(user=user, city_id=practice.city_id),
        },
    )


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The city profile: the city, its published practices and its public exchanges."""
    try:
        city = city_selectors.city_get_by_slug(slug=slug)
    except City.DoesNotExist as exc:
        raise Http404("No such city.") from exc
    practices = practice_selectors.practice_published_list(city=city)[:50]
    exchanges = list(exchanges_of_city_public(city_id=city.pk))
    by_challenge = _bars(
        (c.label, c.n)
        for c in Challenge.objects.annotate(
            n=Count(
                "practices",
                filter=Q(
                    practices__city=city,
                    practices__review_state=Practice.ReviewState.PUBLISHED,
                ),
            )
        )
    )
    exchange_bars = _bars(
        [
            (
                _("Given (the city hosted another)"),
                sum(e.match.peer_city_id == city.pk for e in exchanges),
            ),
            (
                _("Received (the city learned from another)"),
                sum(e.match.request.city_id == city.pk for e in exchanges),
            ),
        ]
    )
    return render(
        request,
        "cities/city_detail.html",
        {
            "city": city,
            "practices": practices,
            "indicators": city.indicators.all(),
            "by_challenge": by_challenge if any(b["count"] for b in by_challenge) else [],
            "exchange_bars": exchange_bars if exchanges else [],
            "exchanges": exchanges[:20],
            "city_map": _city_map(city_selectors.city_directory(), focus=city),
        },
    )


def _bars(items: Iterable[tuple[str, int]]) -> list[dict[str, object]]:
    """Label, count and the bar's length (0-100, against the largest) of a small bar chart;
    the counts are printed beside the bars, which are decoration for the eye."""
    rows = [(str(label), int(count)) for label, count in items]
    top = max((count for _label, count in rows), default=0) or 1
    return [
        {"label": label, "count": count, "width": round(100 * count / top, 1)}
        for label, count in rows
    ]


@login_required
def my_city(request: HttpRequest) -> HttpResponse:
    """The home of a city's members: for each of their cities, the practices to write or
    correct, those waiting for review, the city's open requests and the proposals to answer."""
    user = cast(User, request.user)
    memberships = user.memberships.select_related("city__country").order_by("city__name")
    boards = [
        {
            "membership": m,
            "city": m.city,
            "is_official": m.role == CityMembership.Role.OFFICIAL,
            **practice_selectors.practice_dashboard(city_id=m.city_id),
            **city_dashboard(city_id=m.city_id),
        }
        for m in memberships
    ]
    return render(request, "cities/my_city.html", {"boards": boards})
