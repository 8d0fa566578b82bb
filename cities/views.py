from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors

# The city profile and "my city" show practices and exchanges too: they are composed one floor
# up, in portal.views.


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
