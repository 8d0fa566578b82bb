from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cities.models import City

from . import selectors
from .models import LANGUAGES, Challenge, Practice


def home(request: HttpRequest) -> HttpResponse:
    challenges = Challenge.objects.annotate(
        published_count=Count("practices", filter=Q(practices__review_state="published"))
    )
    return render(
        request,
        "home.html",
        {
            "challenges": challenges,
            "recent": selectors.practice_published_list()[:6],
            "member_count": City.objects.filter(member_status=City.MemberStatus.ACTIVE).count(),
        },
    )


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


def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        practice = selectors.practice_get_visible(pk=pk, user=request.user)
    except Practice.DoesNotExist as exc:
        raise Http404("No such practice.") from exc
    return render(request, "practices/practice_detail.html", {"practice": practice})
