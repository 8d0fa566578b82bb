from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from cities.models import City, CityMembership
from cities.selectors import cities_without_members, region_list
from core.errors import InvalidTransition
from core.permissions import is_broker, is_member, is_official
from core.staff import BROKER
from core.web import attempt, error_text, form_error_text
from practices.models import Challenge

from . import selectors, services
from .explanations import explanations_render
from .filters import PipelineFilter
from .forms import BoardFilter, RequestForm, StepForm, evaluation_form
from .models import Exchange, ExchangeRequest, Match
from .workflow import available_steps, roles_in

# What each lifecycle step did, for the confirmation (lazy: said in the reader's language).
STEP_DONE = {
    "accept": gettext_lazy(
        "You accepted the exchange. The broker and the requesting city are told."
    ),
    "decline": gettext_lazy(
        "You declined the exchange. The broker and the requesting city are told."
    ),
    "schedule": gettext_lazy("The exchange is scheduled. Both cities are told the dates."),
    "start": gettext_lazy("The exchange is under way."),
    "complete": gettext_lazy("The exchange is completed. Each city can now record its evaluation."),
    "cancel": gettext_lazy("The exchange is cancelled. Both cities are told."),
}


def _request_or_404(request: HttpRequest, pk: int) -> ExchangeRequest:
    try:
        return (
            selectors.request_visible_to(user=request.user)
            .select_related("city", "broker")
            .get(pk=pk)
        )
    except ExchangeRequest.DoesNotExist as exc:
        raise Http404(_("No such request.")) from exc


def _exchange_or_404(request: HttpRequest, pk: int) -> Exchange:
    try:
        return (
            selectors.exchange_visible_to(user=request.user)
            .select_related("match__request__city", "match__peer_city")
            .get(pk=pk)
        )
    except Exchange.DoesNotExist as exc:
        raise Http404(_("No such exchange.")) from exc


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    cities = list(selectors.request_cities_for(user=user))
    if not cities:
        raise PermissionDenied(_("Only a city official can file an exchange request."))
    initial: dict[str, Any] = {"city": cities[0].pk}
    if request.GET.get("practice", "").isdigit():
        from practices.models import Practice

        practice = Practice.objects.filter(
            pk=int(request.GET["practice"]), review_state=Practice.ReviewState.PUBLISHED
        ).first()
        if practice:
            initial["challenges"] = list(practice.challenges.all())
            initial["topics"] = list(practice.topics.all())
            initial["source_practice"] = practice.pk
    form = RequestForm(request.POST or None, cities=cities, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.exchange_request_create(
                by=user, city=form.cleaned_data["city"], data=form.request_data()
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        except InvalidTransition as exc:
            messages.warning(request, str(exc))
            return HttpResponseRedirect(reverse("exchanges-mine"))
        else:
            messages.success(request, _("Request filed. A broker will propose peer cities."))
            return HttpResponseRedirect(reverse("exchange-request-detail", args=[created.pk]))
    return render(request, "exchanges/request_form.html", {"form": form})


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    exchange_request = _request_or_404(request, pk)
    broker = is_broker(user)
    matches = list(
        selectors.matches_visible_to(request=exchange_request, user=user).prefetch_related(
            "practices__translations", Prefetch("exchange")
        )
    )
    # In the reader's language, whoever ranked (exchanges.explanations).
    for match, sentences in zip(
        matches, explanations_render([m.explanation for m in matches]), strict=True
    ):
        match.sentences = sentences  # type: ignore[attr-defined]
    # A city with nobody on the platform cannot answer a proposal: the broker is told, and
    # offered an invitation (cities.invitations).
    nobody = cities_without_members(city_ids=[m.peer_city_id for m in matches]) if broker else set()
    for match in matches:
        match.nobody = match.peer_city_id in nobody  # type: ignore[attr-defined]
    return render(
        request,
        "exchanges/request_detail.html",
        {
            "req": exchange_request,
            "matches": matches,
            "is_broker": broker,
            "is_official": is_official(user, exchange_request.city),
            "is_requester": is_member(user, exchange_request.city),
            "age_days": (timezone.now() - exchange_request.created_at).days,
        },
    )


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = cast(User, request.user)
    exchange_request = _request_or_404(request, pk)

    def do() -> str:
        """Run the action; what happened, in the reader's language."""
        if action == "take":
            services.exchange_request_take(request=exchange_request, by=user)
            return str(_("You took this request: rank the peer cities, then propose one."))
        if action == "rank":
            ranked = services.exchange_request_rank(request=exchange_request, by=user)
            return str(
                ngettext(
                    "%(count)d peer city ranked.", "%(count)d peer cities ranked.", len(ranked)
                )
                % {"count": len(ranked)}
            )
        if action == "propose":
            match = (
                Match.objects.filter(
                    pk=request.POST.get("match", "0") or 0, request=exchange_request
                )
                .select_related("peer_city")
                .first()
            )
            if match is None:
                raise Http404(_("No such peer."))
            services.exchange_request_propose(request=exchange_request, by=user, match=match)
            return str(
                _("%(city)s was proposed: its members can now accept or decline.")
                % {"city": match.peer_city.label}
            )
        if action == "withdraw":
            services.exchange_request_withdraw(
                request=exchange_request, by=user, note=request.POST.get("note", "")[:5000]
            )
            return str(_("Request withdrawn; its open exchanges were cancelled."))
        raise Http404(_("No such action."))

    try:
        done = do()
    except InvalidTransition as exc:
        messages.warning(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("exchange-request-detail", args=[exchange_request.pk]))


@login_required
def exchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    exchange = _exchange_or_404(request, pk)
    roles = roles_in(user, exchange)
    match = exchange.match
    my_cities = [c for c in (match.request.city, match.peer_city) if is_member(user, c)]
    evaluated = set(exchange.evaluations.values_list("city_id", flat=True))
    # Each of the user's cities that has not answered yet gets the questions of its side.
    evaluate_for = (
        [
            (
                city,
                evaluation_form(
                    exchange_city_id=match.request.city_id, city=city, peer_city=match.peer_city
                ),
            )
            for city in my_cities
            if city.pk not in evaluated
        ]
        if exchange.state == Exchange.State.COMPLETED
        else []
    )
    return render(
        request,
        "exchanges/exchange_detail.html",
        {
            "exchange": exchange,
            "match": match,
            "events": exchange.events.select_related("by"),
            "steps": available_steps(user, exchange),
            "roles": roles,
            "evaluations": exchange.evaluations.select_related("city", "practice"),
            "evaluate_for": evaluate_for,
            # What the peer city is told: why it was chosen, and which of its practices matter.
            "reasons": explanations_render([match.explanation])[0],
            "match_practices": match.practices.prefetch_related("translations"),
        },
    )


@login_required
@require_POST
def exchange_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    exchange = _exchange_or_404(request, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(reverse("exchange-detail", args=[exchange.pk]))
    data = form.cleaned_data
    step = STEP_DONE.get(name)
    attempt(
        request,
        lambda: services.exchange_step(
            exchange=exchange,
            by=cast(User, request.user),
            name=name,
            note=data["note"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ),
        success=step if step is not None else _("Done."),
    )
    return HttpResponseRedirect(reverse("exchange-detail", args=[exchange.pk]))


@login_required
@require_POST
def exchange_evaluate(request: HttpRequest, pk: int, city_id: int) -> HttpResponse:
    exchange = _exchange_or_404(request, pk)
    city = City.objects.filter(pk=city_id).first()
    if city is None:
        raise Http404(_("No such city."))
    match = exchange.match
    form = evaluation_form(
        exchange_city_id=match.request.city_id,
        city=city,
        peer_city=match.peer_city,
        data=request.POST,
    )
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(reverse("exchange-detail", args=[exchange.pk]))
    attempt(
        request,
        lambda: services.exchange_evaluate(
            exchange=exchange, by=cast(User, request.user), city=city, **form.cleaned_data
        ),
        success=_(
            "The evaluation of %(city)s is recorded. The exchange is evaluated once both cities"
            " have answered."
        )
        % {"city": city.label},
    )
    return HttpResponseRedirect(reverse("exchange-detail", args=[exchange.pk]))


@login_required
def broker_board(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not is_broker(user):
        raise PermissionDenied(_("The board is for the secretariat's brokers."))
    filters = BoardFilter(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    requests = selectors.broker_board(
        user=user,
        challenge=data.get("challenge") or "",
        region=data.get("region") or "",
        broker=data.get("broker") or "",
    )
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    peers = Match.objects.filter(
        request__in=[r.pk for r in page],
        status__in=[Match.Status.SUGGESTED, Match.Status.PROPOSED],
    ).values_list("request_id", "peer_city_id", "peer_city__name")
    nobody = cities_without_members(city_ids={city_id for _r, city_id, _n in peers})
    unanswerable: dict[int, list[tuple[int, str]]] = {}
    for request_id, city_id, name in peers:
        if city_id in nobody:
            unanswerable.setdefault(request_id, []).append((city_id, name))
    return render(
        request,
        "exchanges/board.html",
        {
            "page": page,
            "rows": [(r, (now - r.created_at).days, unanswerable.get(r.pk, [])) for r in page],
            "filters": filters,
            "challenges": Challenge.objects.all(),
            "regions": region_list(),
            "brokers": User.objects.filter(groups__name=BROKER).order_by("email"),
        },
    )


@login_required
def my_exchanges(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    cities = list(user.memberships.values_list("city_id", flat=True))
    return render(
        request,
        "exchanges/mine.html",
        {
            "requests": ExchangeRequest.objects.filter(city_id__in=cities)
            .select_related("city")
            .order_by("-created_at"),
            "to_answer": Exchange.objects.filter(
                match__peer_city_id__in=cities, state=Exchange.State.PROPOSED
            ).select_related("match__request__city"),
            "exchanges": selectors.exchange_visible_to(user=user)
            .select_related("match__request__city", "match__peer_city")
            .order_by("-updated_at")[:50],
            "is_official": user.memberships.filter(role=CityMembership.Role.OFFICIAL).exists(),
        },
    )


def _next_step(exchange: Exchange) -> str:
    """What the exchange waits for, and from whom (exchanges.workflow's table)."""
    state = exchange.state
    if state == Exchange.State.PROPOSED:
        return _("%(city)s accepts or declines") % {"city": exchange.match.peer_city.label}
    if state == Exchange.State.ACCEPTED:
        return _("A broker or an official schedules the dates")
    if state == Exchange.State.SCHEDULED:
        if exchange.starts_on and exchange.starts_on > timezone.localdate():
            return _("Starts on %(day)s") % {"day": date_format(exchange.starts_on)}
        return _("A member of either city marks it started")
    if state == Exchange.State.IN_PROGRESS:
        return _("A broker or an official marks it completed")
    count = getattr(exchange, "evaluation_count", 0)
    return ngettext(
        "Evaluations: %(count)d of 2 recorded", "Evaluations: %(count)d of 2 recorded", count
    ) % {"count": count}


@login_required
def broker_pipeline(request: HttpRequest) -> HttpResponse:
    """The exchanges in progress, with their next step and how long they have waited in
    their state, filtered by broker, challenge and region (exchanges.filters)."""
    user = cast(User, request.user)
    if not is_broker(user):
        raise PermissionDenied(_("The pipeline is for the secretariat's brokers."))
    pipeline = PipelineFilter(request.GET or None, queryset=selectors.broker_pipeline(user=user))
    page = Paginator(pipeline.qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "exchange": exchange,
            "next": _next_step(exchange),
            "waiting": (now - exchange.last_moved).days,
            "age": (now - exchange.created_at).days,
        }
        for exchange in page
    ]
    return render(
        request, "exchanges/pipeline.html", {"filter": pipeline, "page": page, "rows": rows}
    )
