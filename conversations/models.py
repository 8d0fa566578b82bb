"""Conversations: a thread of plain-text messages between cities and the secretariat.

A thread is about one thing, and who takes part follows from that thing (conversations.selectors
holds the rule, once):

- ``request``: the requesting city and the secretariat, about an exchange request. One per
  request. Peer cities never read it: what a requester tells the brokers about the candidates
  stays between them.
- ``proposal``: the requesting city, one proposed peer city and the secretariat. One per
  Match, opened only once the peer was proposed (the Match has an Exchange), so each peer
  reads only its own thread and never learns which other cities were asked.
- ``practice``: a question a member of another city asks the city behind a practice; the
  asker, the members of the practice's city and the secretariat read it.

Threads are opened lazily, when someone first looks at them; a message's author city is kept
on the message because a person may belong to several cities and change over time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cities.models import City
from exchanges.models import ExchangeRequest, Match
from practices.models import Practice

# Characters in one message: long enough for a real answer, short enough for a mail.
MESSAGE_LIMIT = 4_000


class Thread(models.Model):
    class Kind(models.TextChoices):
        REQUEST = "request", _("exchange request")
        PROPOSAL = "proposal", _("proposal to a peer city")
        PRACTICE = "practice", _("question about a practice")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    request = models.ForeignKey(
        ExchangeRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="threads"
    )
    match = models.OneToOneField(
        Match, null=True, blank=True, on_delete=models.CASCADE, related_name="thread"
    )
    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.CASCADE, related_name="threads"
    )
    # Who asked, for a practice question (the other kinds name cities, not people).
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="asked_threads",
    )
    asker_city = models.ForeignKey(
        City, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(kind="request"),
                name="thread_one_per_request",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="request", request__isnull=False, match__isnull=True)
                    | models.Q(kind="proposal", request__isnull=False, match__isnull=False)
                    | models.Q(
                        kind="practice",
                        practice__isnull=False,
                        asker__isnull=False,
                        request__isnull=True,
                        match__isnull=True,
                    )
                ),
                name="thread_kind_names_its_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} thread {self.pk}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The city the author wrote for; null when they wrote for the secretariat.
    author_city = models.ForeignKey(
        City, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(max_length=MESSAGE_LIMIT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["thread", "created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} in thread {self.thread_id}"


class ThreadRead(models.Model):
    """How far a person has read a thread: the unread count is what came after, from others."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="thread_read_once_per_user")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} read thread {self.thread_id} up to {self.last_message_id}"


class PracticeContact(models.Model):
    """A person of the practice's city named to answer questions about it."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="contact_people")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["practice", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="practice_contact_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} for practice {self.practice_id}"
