"""The secretariat's figures, read in a fixed number of queries whatever the amount of data.

Each figure is a `Table` (a title, column headings and rows): the page draws it as a chart with
the table beside it, and the same table is its CSV download. Every figure is one aggregate
query (GROUP BY in the database), plus the small reference tables for labels (challenges,
regions); the one exception, the needs without a good match by challenge and region, reads one
short row per such need once for both groupings (`unmatched_groups`). The page costs the same
number of queries at 100 requests and at 10,000 (tests/dashboard/test_dashboard.py,
benchmarks/dashboard.py).

Definitions (written down here and in docs/workflows.md, "Dashboard"):
- **Overdue**: a request still waiting for a peer (open, taken, or peers proposed but none
  accepted) filed more than `EXCHANGE_OVERDUE_AFTER_DAYS` days ago (30 by default). Once an
  exchange is accepted the request is matched and no longer waits.
- **Median days** from filing to the first proposal, to the first acceptance and to the first
  completion, over the requests that reached that step (the first `ExchangeEvent` of that
  state among the request's exchanges). The median, not the mean: a few requests that waited a
  year would move a mean and say little about the usual wait.
- **Without a good match**: a request still waiting whose best ranked peer scores below
  `GOOD_MATCH` (of 1, exchanges/matching.py's scale), or that has no ranked peer, or no
  proposal yet.
- **Cities most asked**: proposed as a peer most often (every exchange, whatever became of it);
  **most helping**: peer of the most exchanges completed or evaluated.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cities.models import Region
from exchanges.models import Exchange, ExchangeEvent, ExchangeRequest, Match
from practices.models import Challenge
from search import querylog

R = ExchangeRequest.State
E = Exchange.State
WAITING = (R.OPEN, R.IN_REVIEW, R.PROPOSED)
HELPED = (E.COMPLETED, E.EVALUATED)
GOOD_MATCH = 0.4
MONTHS = 12
TOP = 10
LIST_LIMIT = 50


@dataclass
class Table:
    """One figure: `rows` of cells under `headings`; `chart` says how the page draws it
    ("bars": the first column labels, the second the count; "columns": the same over time;
    "" for a table only); `links` optionally gives each row's link (same order)."""

    name: str
    title: str
    headings: list[str]
    rows: list[list[Any]]
    chart: str = "bars"
    links: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def lines(self) -> list[dict[str, Any]]:
        """Each row for the page: its cells, its link ("" for none) and, for a bar chart, the
        bar's length (0-100, against the largest count: the counts are printed beside the
        bars, which are decoration for the eye)."""
        links = self.links or [""] * len(self.rows)
        top = 1
        if self.chart == "bars":
            top = max((int(row[1]) for row in self.rows), default=0) or 1
        return [
            {
                # Numbers align right, text left (a "—" for no figure is a number's place).
                "cells": [(cell, isinstance(cell, int | float) or cell == "—") for cell in row],
                "link": link,
                "width": round(100 * int(row[1]) / top, 1) if self.chart == "bars" else 0,
            }
            for link, row in zip(links, self.rows, strict=True)
        ]

    @property
    def columns(self) -> list[dict[str, Any]]:
        """The rows as columns of a chart 100 units high, 10 units apart (view box
        `0 0 <10 × rows> 100`), with the label and count for each column's tooltip."""
        top = max((int(row[1]) for row in self.rows), default=0) or 1
        out = []
        for i, row in enumerate(self.rows):
            height = round(96 * int(row[1]) / top, 2)
            out.append(
                {
                    "x": i * 10 + 1,
                    "y": round(100 - height, 2),
                    "height": height,
                    "label": row[0],
                    "count": row[1],
                }
            )
        return out

    @property
    def view_width(self) -> int:
        return 10 * len(self.rows)


def _region_labels() -> dict[str | None, str]:
    labels: dict[str | None, str] = {
        r.code: r.label for r in Region.objects.filter(level=Region.Level.REGION)
    }
    labels[None] = _("no region")
    return labels


def _challenge_labels() -> dict[int, str]:
    return {c.pk: c.label for c in Challenge.objects.all()}


def _months(today: date) -> list[date]:
    """The first days of the last MONTHS months, oldest first, this month included."""
    first = today.replace(day=1)
    months = [first]
    for _i in range(MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months[::-1]


def _per_month(rows: QuerySet[Any], *, field_name: str, today: date) -> list[list[Any]]:
    months = _months(today)
    since = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    counted = {
        (row["month"].date() if isinstance(row["month"], datetime) else row["month"]): row["n"]
        for row in rows.filter(**{f"{field_name}__gte": since})
        .annotate(month=TruncMonth(field_name))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return [[date_format(m, "YEAR_MONTH_FORMAT"), counted.get(m, 0)] for m in months]


def requests_over_time(*, today: date) -> Table:
    return Table(
        "requests-per-month",
        _("Requests filed per month"),
        [_("Month"), _("Requests")],
        _per_month(ExchangeRequest.objects.all(), field_name="created_at", today=today),
        chart="columns",
    )


def exchanges_over_time(*, today: date) -> Table:
    return Table(
        "exchanges-per-month",
        _("Peers proposed per month"),
        [_("Month"), _("Exchanges proposed")],
        _per_month(Exchange.objects.all(), field_name="created_at", today=today),
        chart="columns",
    )


def _by_state(model: type[ExchangeRequest] | type[Exchange]) -> list[list[Any]]:
    counted = {
        row["state"]: row["n"]
        for row in model.objects.values("state").annotate(n=Count("pk")).order_by()
    }
    return [[str(label), counted.get(value, 0)] for value, label in model.State.choices]


def requests_by_state() -> Table:
    return Table(
        "requests-by-state",
        _("Requests by state"),
        [_("State"), _("Requests")],
        _by_state(ExchangeRequest),
    )


def exchanges_by_state() -> Table:
    return Table(
        "exchanges-by-state",
        _("Exchanges by state"),
        [_("State"), _("Exchanges")],
        _by_state(Exchange),
    )


def _firsts() -> QuerySet[Any]:
    """Per request that has any exchange: when it was filed (`filed`) and when its exchanges
    first reached each step. One GROUP BY over the history."""
    first = {
        name: Min("at", filter=Q(to_state=state))
        for name, state in (
            ("proposed", E.PROPOSED),
            ("accepted", E.ACCEPTED),
            ("completed", E.COMPLETED),
            ("evaluated", E.EVALUATED),
        )
    }
    return (
        ExchangeEvent.objects.values("exchange__match__request")
        .annotate(filed=Min("exchange__match__request__created_at"), **first)
        .order_by()
    )


def _firsts_rows() -> list[dict[str, Any]]:
    return list(_firsts().values("filed", *(step for step, _label in STEPS)))


STEPS = (
    ("proposed", gettext_lazy("a peer proposed")),
    ("accepted", gettext_lazy("an exchange accepted")),
    ("completed", gettext_lazy("an exchange completed")),
    ("evaluated", gettext_lazy("an exchange evaluated")),
)


class Median(Aggregate):
    """PostgreSQL's median (of intervals too): `percentile_cont(0.5)`."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _reached() -> dict[str, Any]:
    """How many requests reached each step (`n_<step>`) and the median time from filing to it
    (`d_<step>`, a timedelta or None). On PostgreSQL one aggregate over the per-request firsts,
    so no row travels to Python; elsewhere (SQLite, development) the firsts are read and the
    medians computed here, which `medians_of` does the same way."""
    if connection.vendor != "postgresql":
        return medians_of(_firsts_rows())
    return _firsts().aggregate(
        **{f"n_{step}": Count(step) for step, _label in STEPS},
        **{
            f"d_{step}": Median(
                ExpressionWrapper(F(step) - F("filed"), output_field=DurationField()),
                output_field=DurationField(),
            )
            for step, _label in STEPS[:3]
        },
    )


def medians_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """`_reached` computed in Python from the per-request firsts."""
    out: dict[str, Any] = {}
    for n, (step, _label) in enumerate(STEPS):
        delays = sorted(row[step] - row["filed"] for row in rows if row[step] is not None)
        out[f"n_{step}"] = len(delays)
        if n < 3:  # no median to the evaluation: the page does not show one
            out[f"d_{step}"] = statistics.median(delays) if delays else None
    return out


def funnel_and_delays() -> tuple[Table, Table]:
    """The funnel (requests filed, then how many reached each step) and the median days from
    filing to the first proposal, acceptance and completion."""
    reached = _reached()
    filed = ExchangeRequest.objects.count()
    funnel = Table(
        "funnel",
        _("From request to outcome"),
        [_("Step"), _("Requests")],
        [[_("filed"), filed]] + [[str(label), reached[f"n_{step}"]] for step, label in STEPS],
    )
    delays = []
    for step, label in STEPS[:3]:
        median = reached[f"d_{step}"]
        delays.append(
            [
                str(label),
                round(median.total_seconds() / 86400, 1) if median is not None else "—",
                reached[f"n_{step}"],
            ]
        )
    return funnel, Table(
        "median-days",
        _("Median days from the request to…"),
        [_("Step"), _("Median days"), _("Requests")],
        delays,
        chart="",
    )


def _overdue() -> QuerySet[ExchangeRequest]:
    limit = timezone.now() - timedelta(days=settings.EXCHANGE_OVERDUE_AFTER_DAYS)
    return ExchangeRequest.objects.filter(state__in=WAITING, created_at__lt=limit)


def requests_overdue(*, today: date) -> Table:
    overdue = _overdue()
    count = overdue.count()
    oldest = list(overdue.select_related("city", "broker").order_by("created_at", "pk")[:TOP])
    return Table(
        "overdue",
        _("Requests overdue"),
        [_("City"), _("Days waiting"), _("State"), _("Broker")],
        [
            [
                r.city.label,
                (today - timezone.localdate(r.created_at)).days,
                r.get_state_display(),
                str(r.broker) if r.broker else "—",
            ]
            for r in oldest
        ],
        chart="",
        links=[reverse("exchange-request-detail", args=[r.pk]) for r in oldest],
        note=ngettext(
            "%(count)d request has waited more than %(days)d days without an accepted exchange.",
            "%(count)d requests have waited more than %(days)d days without an accepted"
            " exchange; the oldest are listed.",
            count,
        )
        % {"count": count, "days": settings.EXCHANGE_OVERDUE_AFTER_DAYS},
    )


def _per_challenge(requests: QuerySet[ExchangeRequest]) -> list[list[Any]]:
    labels = _challenge_labels()
    link = ExchangeRequest.challenges.through.objects.filter(exchangerequest__in=requests)
    counted = {
        row["challenge_id"]: row["n"]
        for row in link.values("challenge_id").annotate(n=Count("pk")).order_by()
    }
    rows = [[label, counted.get(pk, 0)] for pk, label in labels.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _per_region(rows: QuerySet[Any], path: str) -> list[list[Any]]:
    labels = _region_labels()
    counted = rows.values(path).annotate(n=Count("pk")).order_by()
    table = [[labels.get(row[path], row[path]), row["n"]] for row in counted]
    return sorted(table, key=lambda row: (-row[1], str(row[0])))


def requests_by_challenge() -> Table:
    return Table(
        "requests-by-challenge",
        _("Requests by challenge"),
        [_("Challenge"), _("Requests")],
        _per_challenge(ExchangeRequest.objects.all()),
    )


def requests_by_region() -> Table:
    return Table(
        "requests-by-region",
        _("Requests by region of the requesting city"),
        [_("Region"), _("Requests")],
        _per_region(ExchangeRequest.objects.all(), "city__country__subregion__parent__code"),
    )


def help_by_region() -> Table:
    return Table(
        "help-by-region",
        _("Exchanges completed by region of the host city"),
        [_("Region"), _("Exchanges")],
        _per_region(
            Exchange.objects.filter(state__in=HELPED),
            "match__peer_city__country__subregion__parent__code",
        ),
    )


def _top_cities(exchanges: QuerySet[Exchange], name: str, title: str, heading: str) -> Table:
    top = list(
        exchanges.values("match__peer_city__name", "match__peer_city__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "match__peer_city__name")[:TOP]
    )
    return Table(
        name,
        title,
        [_("City"), heading],
        [[row["match__peer_city__name"], row["n"]] for row in top],
        links=[reverse("city-detail", args=[row["match__peer_city__slug"]]) for row in top],
    )


def cities_most_asked() -> Table:
    return _top_cities(
        Exchange.objects.all(),
        "cities-most-asked",
        _("Cities most asked"),
        _("Times proposed"),
    )


def cities_most_helping() -> Table:
    return _top_cities(
        Exchange.objects.filter(state__in=HELPED),
        "cities-most-helping",
        _("Cities most helping"),
        _("Exchanges completed"),
    )


def dashboard_tables(*, today: date | None = None) -> list[Table]:
    """Every figure of the dashboard, in the page's order."""
    today = today or timezone.localdate()
    funnel, delays = funnel_and_delays()
    return [
        requests_over_time(today=today),
        exchanges_over_time(today=today),
        funnel,
        delays,
        requests_by_state(),
        exchanges_by_state(),
        requests_overdue(today=today),
        requests_by_challenge(),
        requests_by_region(),
        help_by_region(),
        cities_most_asked(),
        cities_most_helping(),
    ]


# --- the gap view ---------------------------------------------------------------------------


def _unmatched() -> QuerySet[ExchangeRequest]:
    """Requests still waiting without a good match (the module's docstring): no proposal, or
    no ranked peer scoring GOOD_MATCH or more. Two EXISTS conditions and no GROUP BY, so the
    groupings below apply to it directly."""
    proposed = Exchange.objects.filter(match__request=OuterRef("pk"))
    good = Match.objects.filter(request=OuterRef("pk"), score__gte=GOOD_MATCH)
    return ExchangeRequest.objects.filter(state__in=WAITING).filter(
        ~Exists(proposed) | ~Exists(good)
    )


def unmatched_requests() -> Table:
    best = Match.objects.filter(request=OuterRef("pk")).order_by("-score").values("score")[:1]
    rows = list(
        _unmatched()
        .select_related("city")
        .annotate(
            best=Subquery(best),
            has_proposal=Exists(Exchange.objects.filter(match__request=OuterRef("pk"))),
        )
        .order_by("created_at", "pk")[:LIST_LIMIT]
    )
    return Table(
        "unmatched",
        _("Needs without a good match"),
        [_("City"), _("Need"), _("Best peer score"), _("Proposed"), _("Filed")],
        [
            [
                r.city.label,
                r.need[:120],
                "—" if r.best is None else round(r.best, 2),
                _("yes") if r.has_proposal else _("no"),
                timezone.localdate(r.created_at).isoformat(),
            ]
            for r in rows
        ],
        chart="",
        links=[reverse("exchange-request-detail", args=[r.pk]) for r in rows],
    )


def unmatched_groups() -> tuple[Table, Table]:
    """The needs without a good match by challenge and by region, from one pass over them:
    (request, region, challenge) rows, counted here. Deciding which requests lack a good match
    is the costly part (two EXISTS per request); two GROUP BY queries would do it twice."""
    seen: set[int] = set()
    regions: dict[str | None, int] = {}
    challenges: dict[int, int] = {}
    for pk, region, challenge in _unmatched().values_list(
        "pk", "city__country__subregion__parent__code", "challenges__id"
    ):
        if challenge is not None:
            challenges[challenge] = challenges.get(challenge, 0) + 1
        if pk not in seen:
            seen.add(pk)
            regions[region] = regions.get(region, 0) + 1
    challenge_labels, region_labels = _challenge_labels(), _region_labels()
    by_challenge: list[list[Any]] = sorted(
        ([label, challenges.get(pk, 0)] for pk, label in challenge_labels.items()),
        key=lambda row: (-int(row[1]), str(row[0])),
    )
    by_region: list[list[Any]] = sorted(
        ([region_labels.get(code, code), n] for code, n in regions.items()),
        key=lambda row: (-int(row[1]), str(row[0])),
    )
    return (
        Table(
            "unmatched-by-challenge",
            _("Needs without a good match, by challenge"),
            [_("Challenge"), _("Requests")],
            by_challenge,
        ),
        Table(
            "unmatched-by-region",
            _("Needs without a good match, by region"),
            [_("Region"), _("Requests")],
            by_region,
        ),
    )


def _search_groups(field_name: str, labels: dict[Any, str]) -> list[list[Any]]:
    return [
        [
            labels.get(row[field_name], row[field_name]) if row[field_name] else _("none chosen"),
            row["little"],
            row["nothing"],
            row["count"],
        ]
        for row in querylog.searches_by(field=field_name)
        if row["little"]
    ]


def searches_little() -> Table:
    rows = querylog.searches_finding_little(limit=LIST_LIMIT)
    return Table(
        "searches-little",
        _("Searches that found little or nothing"),
        [_("Search"), _("Language"), _("Filters"), _("Times"), _("Results")],
        [[r["text"], r["language"], r["filters"], r["count"], r["found"]] for r in rows],
        chart="",
        note=_("Kept %(days)d days, without who searched.")
        % {"days": settings.SEARCH_LOG_RETENTION_DAYS},
    )


def searches_little_by_challenge() -> Table:
    slugs = {c.slug: c.label for c in Challenge.objects.all()}
    return Table(
        "searches-little-by-challenge",
        _("Searches that found little, by challenge chosen"),
        [_("Challenge"), _("Found little"), _("Found nothing"), _("Searches")],
        _search_groups("challenge", slugs),
    )


def searches_little_by_region() -> Table:
    return Table(
        "searches-little-by-region",
        _("Searches that found little, by region chosen"),
        [_("Region"), _("Found little"), _("Found nothing"), _("Searches")],
        _search_groups("region", {k: v for k, v in _region_labels().items() if k}),
    )


def gap_tables() -> list[Table]:
    by_challenge, by_region = unmatched_groups()
    return [
        by_challenge,
        by_region,
        unmatched_requests(),
        searches_little_by_challenge(),
        searches_little_by_region(),
        searches_little(),
    ]


def table_named(*, name: str, today: date | None = None) -> Table | None:
    """One figure by its name, for its CSV download (computing only that one)."""
    today = today or timezone.localdate()
    one: dict[str, Callable[[], Table]] = {
        "requests-per-month": lambda: requests_over_time(today=today),
        "exchanges-per-month": lambda: exchanges_over_time(today=today),
        "funnel": lambda: funnel_and_delays()[0],
        "median-days": lambda: funnel_and_delays()[1],
        "requests-by-state": requests_by_state,
        "exchanges-by-state": exchanges_by_state,
        "overdue": lambda: requests_overdue(today=today),
        "requests-by-challenge": requests_by_challenge,
        "requests-by-region": requests_by_region,
        "help-by-region": help_by_region,
        "cities-most-asked": cities_most_asked,
        "cities-most-helping": cities_most_helping,
        "unmatched": unmatched_requests,
        "unmatched-by-challenge": lambda: unmatched_groups()[0],
        "unmatched-by-region": lambda: unmatched_groups()[1],
        "searches-little": searches_little,
        "searches-little-by-challenge": searches_little_by_challenge,
        "searches-little-by-region": searches_little_by_region,
    }
    return one[name]() if name in one else None


def csv_rows(table: Table) -> Iterable[list[Any]]:
    yield table.headings
    yield from table.rows
