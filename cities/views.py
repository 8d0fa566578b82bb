from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from practices.selectors import practice_published_list

from . import selectors
from .models import City


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
        {"city": city, "practices": practices, "indicators": city.indicators.all()},
    )
