"""Exchange requests between cities, the peer proposals for them and the exchanges that follow.

The workflows on these models: peer matching in exchanges/matching.py, brokering and the
lifecycle in exchanges/services.py, with the table of lifecycle steps in exchanges/workflow.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cities.models import City
from core.workflow import HistoryRow
from practices.models import Challenge, Practice, Topic


class ExchangeFormat(models.TextChoices):
    STUDY_VISIT = "study-visit", _("study visit")
    PEER_REVIEW = "peer-review", _("peer review")
    WEBINAR = "webinar", _("webinar")
    MENTORING = "mentoring", _("mentoring")


class ExchangeRequest(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("open")
        IN_REVIEW = "in_review", _("taken by a broker")
        PROPOSED = "proposed", _("peers proposed")
        MATCHED = "matched", _("matched")
        CLOSED = "closed", _("closed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="exchange_requests")
    challenges = models.ManyToManyField(Challenge, related_name="exchange_requests")
    topics = models.ManyToManyField(Topic, blank=True, related_name="exchange_requests")
    need = models.TextField(_("the need"))
    # The practice whose page the request was started from: what the official wants to learn,
    # so matching keeps it and ranks its city first (exchanges.matching).
    source_practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started from the practice"),
    )
    formats = models.JSONField(_("preferred formats"), default=list, blank=True)
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="brokered_requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        permissions = [("broker_exchange", "Can broker exchanges")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__isnull=True)
                | models.Q(window_end__isnull=True)
                | models.Q(window_end__gte=models.F("window_start")),
                name="request_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.city.name}: {self.need[:60]}"

    @property
    def format_labels(self) -> list[str]:
        """The preferred formats as their labels ("study visit", not "study-visit")."""
        labels = dict(ExchangeFormat.choices)
        return [str(labels.get(code, code)) for code in self.formats]


class Match(models.Model):
    """A peer city proposed for a request, with its score and the reasons for it."""

    request = models.ForeignKey(ExchangeRequest, on_delete=models.CASCADE, related_name="matches")
    peer_city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    practices = models.ManyToManyField(Practice, blank=True, related_name="+")

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("suggested")
        PROPOSED = "proposed", _("proposed to the peer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    score = models.FloatField()
    explanation = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUGGESTED)
    response = models.TextField(_("answer of the peer city"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "-score"]
        verbose_name_plural = "matches"
        constraints = [
            models.UniqueConstraint(fields=["request", "peer_city"], name="match_unique_peer")
        ]

    def __str__(self) -> str:
        return f"{self.peer_city.name} for request {self.request_id} ({self.score:.2f})"


class Exchange(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        SCHEDULED = "scheduled", _("scheduled")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        EVALUATED = "evaluated", _("evaluated")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")

    match = models.OneToOneField(Match, on_delete=models.PROTECT, related_name="exchange")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED)
    format = models.CharField(max_length=12, choices=ExchangeFormat.choices, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Exchange {self.pk} ({self.state})"


class ExchangeEvent(HistoryRow):
    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, choices=Exchange.State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=Exchange.State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["exchange", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} -> {self.to_state} ({self.at:%Y-%m-%d})"


class Evaluation(models.Model):
    """What one of the two cities says at the end of an exchange. Each side has its own
    questions: the learning (requesting) city says what it adopted (`outcome`, `practice`); the
    host (peer) city says what it learned in return and whether it would host again. Both say
    what helped and what did not. A host's `outcome` is empty (the API once asked it of both
    sides, so one given is still kept)."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _("a practice was adopted as it is")
        ADAPTED = "adapted", _("a practice was adapted")
        NOT_ADOPTED = "not_adopted", _("nothing was adopted")

    class HostAgain(models.TextChoices):
        YES = "yes", _("yes")
        MAYBE = "maybe", _("perhaps, with changes")
        NO = "no", _("no")

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="evaluations")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    would_host_again = models.CharField(
        _("would host again"), max_length=5, choices=HostAgain.choices, blank=True
    )
    learned = models.TextField(_("what the host city learned"), blank=True)
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    helped = models.TextField(_("what helped"), blank=True)
    hindered = models.TextField(_("what did not help"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["exchange", "at"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "city"], name="evaluation_once_per_city")
        ]

    def __str__(self) -> str:
        return f"{self.city.name}: {self.outcome}"


class PracticeAdoption(models.Model):
    """A city adopted or adapted a practice after an exchange: "adapted by N cities"."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="adoptions")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="adoptions")
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.SET_NULL, related_name="adoptions"
    )
    outcome = models.CharField(max_length=12, choices=Evaluation.Outcome.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["practice", "at"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "city"], name="adoption_once_per_city")
        ]

    def __str__(self) -> str:
        return f"{self.city.name} {self.outcome} practice {self.practice_id}"
