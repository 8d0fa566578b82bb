"""The e-mail digests of saved searches.

When. A periodic task (config/settings.py CELERY_BEAT_SCHEDULE) runs `digest_run` for the
daily searches every morning and for the weekly ones on Mondays. Nothing is mailed when a
practice is published: a bulk import of 500 practices is 500 news items in tomorrow's digests,
never 500 mails.

At most once per period. A run locks the user's row, then claims each saved search for the
period (DigestClaim, unique on search and period: "daily:2026-12-01", "weekly:2026-W49") in
the same transaction as the mail it sends, one transaction per user. A second run after the
first finds the claims and sends nothing; a second run during the first waits for the lock
until the first commits, then finds the claims taken (and were the lock ever skipped, the
unique index would refuse its claims). If the mail server refuses, the transaction is rolled
back with the claims, and the next run sends. (A worker killed between the mail server's
answer and the commit would send again: at least once over at most once for that one case.)

What is news. For each search, the practices the search finds by its words and filters
(search.selectors, newest first; not those the page adds by meaning alone and labels
"related": a mail has no such label, and a near miss costs more in a mail than on a page)
that were published inside the search's window: from where the last digest stopped
(SavedSearch.news_since) to the moment the run started, or earlier if the search index has
not caught up yet (the oldest row still in the search outbox): a practice not yet indexed
falls into the next window instead of being missed. A user whose searches find the same
practice reads it once, with the names of the searches that found it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.email import email_send_once
from accounts.models import User
from practices.models import Practice, SearchOutbox
from search.backends import get_backend
from search.backends.database import DatabaseBackend
from search.params import parse_search_params
from search.selectors import practice_search_ids

from .models import DigestClaim, SavedSearch
from .services import unsubscribe_token

log = logging.getLogger(__name__)

# How many of a search's newest matches are looked at for news (a window never holds more
# than a bulk import; the digest lists at most MAX_LISTED and links to the rest).
SCAN_LIMIT = 1000
MAX_LISTED = 50


@dataclass
class DigestReport:
    period: str
    mails: int = 0
    claimed: int = 0


def digest_period(*, frequency: str, at: datetime) -> str:
    local = timezone.localtime(at).date()
    if frequency == SavedSearch.Frequency.WEEKLY:
        year, week, _day = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    if frequency == SavedSearch.Frequency.DAILY:
        return f"daily:{local.isoformat()}"
    raise ValueError(f"No digest for frequency {frequency!r}.")


def _indexed_until(now: datetime) -> datetime:
    if isinstance(get_backend(), DatabaseBackend):
        return now  # the database backend reads the practices themselves
    oldest = SearchOutbox.objects.order_by("created_at").values_list("created_at", flat=True)
    first = oldest.first()
    return min(now, first) if first else now


def _news(saved: SavedSearch, user: User, *, start: datetime, end: datetime) -> list[int]:
    """Ids of the practices the search finds that were published in [start, end), newest
    first (the order the search gave)."""
    try:
        query = parse_search_params(QueryDict(saved.query), language=user.preferred_language)
    except ValidationError:
        log.warning("saved search %s no longer reads as a search", saved.pk)
        return []
    ids, _degraded = practice_search_ids(
        query=replace(query, sort="newest", page=1, mode="lexical"), user=user, limit=SCAN_LIMIT
    )
    fresh = set(
        Practice.objects.filter(
            pk__in=ids,
            review_state=Practice.ReviewState.PUBLISHED,
            published_at__gte=start,
            published_at__lt=end,
        ).values_list("pk", flat=True)
    )
    return [pk for pk in ids if pk in fresh]


def _compose(
    user: User, matched: dict[int, list[SavedSearch]], searches: list[SavedSearch]
) -> tuple[str, str, dict[str, str]]:
    base = settings.SITE_URL.rstrip("/")
    language = user.preferred_language or "en"
    practices = {
        p.pk: p
        for p in Practice.objects.filter(pk__in=list(matched))
        .select_related("city")
        .prefetch_related("translations")
    }
    order = [pk for pk in matched if pk in practices]
    token = unsubscribe_token(user_id=user.pk, saved_search_ids=[s.pk for s in searches])
    unsubscribe_url = base + reverse("following-unsubscribe", args=[token])
    subject = ngettext(
        "[Policy Transfer] %(count)d new practice for your saved searches",
        "[Policy Transfer] %(count)d new practices for your saved searches",
        len(order),
    ) % {"count": len(order)}
    lines = [
        _("Hello %(name)s,") % {"name": user.get_full_name() or user.email},
        "",
        _("Practices published since your last digest that match your saved searches:"),
        "",
    ]
    for pk in order[:MAX_LISTED]:
        practice = practices[pk]
        text = practice.text_in(language)
        lines += [
            f"* {text.title if text else pk} ({practice.city.label})",
            "  " + base + practice.get_absolute_url(),
            "  "
            + _("Found by: %(searches)s")
            % {"searches": ", ".join(_("“%(name)s”") % {"name": s.name} for s in matched[pk])},
            "",
        ]
    if len(order) > MAX_LISTED:
        lines += [
            ngettext(
                "… and %(count)d more: open your saved searches to see it.",
                "… and %(count)d more: open your saved searches to see them all.",
                len(order) - MAX_LISTED,
            )
            % {"count": len(order) - MAX_LISTED},
            "",
        ]
    lines += [
        _("Your saved searches: %(url)s") % {"url": base + reverse("following-searches")},
        "",
        _("To stop these e-mails (the searches stay saved): %(url)s") % {"url": unsubscribe_url},
    ]
    for saved in searches:
        one = unsubscribe_token(user_id=user.pk, saved_search_ids=[saved.pk])
        lines.append(
            _("To stop only “%(name)s”: %(url)s")
            % {"name": saved.name, "url": base + reverse("following-unsubscribe", args=[one])}
        )
    headers = {
        # RFC 2369 and RFC 8058: mail providers show an unsubscribe button that POSTs here.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return subject, "\n".join(lines), headers


def _digest_user(*, user: User, frequency: str, period: str, end: datetime) -> tuple[int, int]:
    """(claims made, mails sent) for one user, in one transaction."""
    with transaction.atomic():
        # Runs of the same user's digests take turns (the claims' unique constraint would
        # refuse the second anyway; the lock makes it wait instead of searching for nothing).
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        searches = list(SavedSearch.objects.filter(user=user, frequency=frequency).order_by("pk"))
        claims: list[tuple[SavedSearch, DigestClaim]] = []
        for saved in searches:
            start = min(saved.news_since, end)
            try:
                with transaction.atomic():
                    claim = DigestClaim.objects.create(
                        saved_search=saved, period=period, window_start=start, window_end=end
                    )
            except IntegrityError:
                continue  # this period's digest of this search was sent, or is being sent
            claims.append((saved, claim))
        if not claims:
            return 0, 0
        matched: dict[int, list[SavedSearch]] = {}
        for saved, claim in claims:
            found = _news(saved, user, start=claim.window_start, end=end)
            claim.practice_ids = found
            claim.save(update_fields=["practice_ids"])
            for pk in found:
                matched.setdefault(pk, []).append(saved)
        SavedSearch.objects.filter(
            pk__in=[saved.pk for saved, _claim in claims], news_since__lt=end
        ).update(news_since=end)
        if not matched:
            return len(claims), 0
        with translation.override(user.preferred_language or "en"):
            subject, body, headers = _compose(user, matched, [s for s, _c in claims])
            sent = email_send_once(
                key=f"digest:{claims[0][1].pk}",
                to=user.email,
                subject=subject,
                body=body,
                headers=headers,
            )
        return len(claims), int(sent)


def digest_run(*, frequency: str, now: datetime | None = None) -> DigestReport:
    """Send this period's digests of every saved search with this frequency."""
    now = now or timezone.now()
    report = DigestReport(period=digest_period(frequency=frequency, at=now))
    end = _indexed_until(now)
    users = User.objects.filter(is_active=True, saved_searches__frequency=frequency).distinct()
    for user in users.order_by("pk").iterator():
        claimed, mails = _digest_user(user=user, frequency=frequency, period=report.period, end=end)
        report.claimed += claimed
        report.mails += mails
    return report
