from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from exchanges.selectors import city_dashboard, exchanges_of_city_public
from practices.selectors import practice_dashboard, practice_published_list

from . import selectors
from .models import City, CityMembership


def city_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    region = request.GET.get("region", "").strip()[:3]
    cities = selectors.city_directory(query=query, region_code=region)
    page = Paginator(cities, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "cities/city_list.html",
        {"page": page, "query": query, "region": region, "regions": selectors.region_list()},
    )


def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        city = selectors.city_get_by_slug(slug=slug)
    except City.DoesNotExist as exc:
        raise Http404("No such city.") from exc
    practices = practice_published_list(city=city)[:50]
    return render(
        request,
        "cities/city_detail.html",
        {
            "city": city,
            "practices": practices,
            "indicators": city.indicators.all(),
            "exchanges": exchanges_of_city_public(city_id=city.pk)[:20],
        },
    )


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
            **practice_dashboard(city_id=m.city_id),
            **city_dashboard(city_id=m.city_id),
        }
        for m in memberships
    ]
    return render(request, "cities/my_city.html", {"boards": boards})
