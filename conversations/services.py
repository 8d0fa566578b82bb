"""Writes for conversations: opening threads, posting messages, marking them read, naming a
practice's contact people and asking them a question. Every permission check is here or in
conversations.selectors; the pages and the API only call these."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from cities.models import City, CityMembership
from core.permissions import is_active_user, is_broker, is_member
from core.text import clean_text
from exchanges.models import ExchangeRequest, Match
from practices.models import Practice

from .models import MESSAGE_LIMIT, Message, PracticeContact, Thread, ThreadRead
from .selectors import thread_cities, thread_visible_to

log = logging.getLogger(__name__)
K = Thread.Kind


class QuestionLimitReached(ValidationError):
    """The user asked as many practice questions today as CONVERSATION_QUESTIONS_PER_DAY."""


def _notify(message_id: int) -> None:
    def send() -> None:
        from .tasks import send_message_notification

        try:
            send_message_notification.delay(message_id)
        except Exception:
            log.warning("message %s not mailed; the sweep sends it", message_id, exc_info=True)

    transaction.on_commit(send)


def _body(text: str) -> str:
    body = clean_text(text or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write a message.")]})
    if len(body) > MESSAGE_LIMIT:
        raise ValidationError(
            {
                "body": [
                    _("A message has at most %(limit)d characters; this one has %(n)d.")
                    % {"limit": MESSAGE_LIMIT, "n": len(body)}
                ]
            }
        )
    return body


def _get_or_create(**fields: Any) -> Thread:
    # Two people opening the same thread at once: the unique constraint lets one win and the
    # other read the winner's row.
    try:
        with transaction.atomic():
            thread, _created = Thread.objects.get_or_create(**fields)
    except IntegrityError:
        thread = Thread.objects.get(**fields)
    return thread


def thread_open_for_request(*, request: ExchangeRequest, by: User) -> Thread:
    """The requesting city's thread with the secretariat. Peer cities may not open it."""
    if not (is_broker(by) or (is_active_user(by) and is_member(by, request.city_id))):
        raise PermissionDenied(_("Only the requesting city and the secretariat talk here."))
    return _get_or_create(kind=K.REQUEST, request=request, match=None)


def thread_open_for_match(*, match: Match, by: User) -> Thread:
    """The thread of a proposal: the requesting city, this peer city and the secretariat."""
    if not hasattr(match, "exchange"):
        raise PermissionDenied(_("This city has not been proposed yet."))
    allowed = is_broker(by) or (
        is_active_user(by)
        and (is_member(by, match.request.city_id) or is_member(by, match.peer_city_id))
    )
    if not allowed:
        raise PermissionDenied(_("Only the two cities and the secretariat talk here."))
    existing = Thread.objects.filter(match=match).first()
    if existing:
        return existing
    return _get_or_create(kind=K.PROPOSAL, request=match.request, match=match)


def _author_city(*, thread: Thread, by: User) -> City | None:
    """The city the author writes for in this thread; None for the secretariat."""
    for city in thread_cities(thread=thread):
        if thread.kind == K.PRACTICE and city.pk == thread.asker_city_id:
            if thread.asker_id == by.pk:
                return city
            continue
        if is_member(by, city.pk):
            return city
    return None


def message_post(*, thread: Thread, by: User, body: str) -> Message:
    """Add a message to a thread the author may read, and mail the others (after commit)."""
    text = _body(body)
    with transaction.atomic():
        if not thread_visible_to(user=by).filter(pk=thread.pk).exists():
            raise PermissionDenied(_("You do not take part in this conversation."))
        locked = Thread.objects.select_for_update(no_key=True).get(pk=thread.pk)
        message = Message.objects.create(
            thread=locked, author=by, author_city=_author_city(thread=thread, by=by), body=text
        )
        Thread.objects.filter(pk=locked.pk).update(last_message_at=message.created_at)
        # The author has read what they answered.
        _mark_read(thread_id=locked.pk, user=by, up_to=message.pk)
        _notify(message.pk)
    thread.last_message_at = message.created_at
    return message


def _mark_read(*, thread_id: int, user: User, up_to: int) -> None:
    read, _created = ThreadRead.objects.get_or_create(thread_id=thread_id, user=user)
    if read.last_message_id < up_to:
        ThreadRead.objects.filter(pk=read.pk, last_message_id__lt=up_to).update(
            last_message_id=up_to
        )


def thread_mark_read(*, thread: Thread, by: User) -> None:
    """Everything in the thread so far counts as read by `by` (who may read it)."""
    if not thread_visible_to(user=by).filter(pk=thread.pk).exists():
        raise PermissionDenied(_("You do not take part in this conversation."))
    last = thread.messages.order_by("-pk").values_list("pk", flat=True).first()
    if last:
        try:
            with transaction.atomic():
                _mark_read(thread_id=thread.pk, user=by, up_to=last)
        except IntegrityError:
            # Two tabs opened the thread at once: the other one recorded it.
            pass


def practice_can_edit_contacts(*, practice: Practice, user: User | AnonymousUser) -> bool:
    return is_broker(user) or (is_active_user(user) and is_member(user, practice.city_id))


def practice_contacts_set(*, practice: Practice, by: User, users: list[User]) -> list[User]:
    """Name the practice's contact people, in order. Each must be a member of its city."""
    if not practice_can_edit_contacts(practice=practice, user=by):
        raise PermissionDenied(_("Only the practice's city names its contact people."))
    members = set(
        CityMembership.objects.filter(city_id=practice.city_id, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [str(u) for u in users if u.pk not in members]
    if outsiders:
        raise ValidationError(
            {
                "contacts": [
                    _("Only members of %(city)s can be contacts: %(names)s.")
                    % {"city": practice.city.label, "names": ", ".join(outsiders)}
                ]
            }
        )
    unique = list({u.pk: u for u in users}.values())
    with transaction.atomic():
        PracticeContact.objects.filter(practice=practice).delete()
        PracticeContact.objects.bulk_create(
            PracticeContact(practice=practice, user=u, order=i) for i, u in enumerate(unique)
        )
    return unique


def practice_question_can_ask(*, practice: Practice, user: User | AnonymousUser) -> bool:
    """A signed-in member of another city may ask about a published practice."""
    if not isinstance(user, User) or not is_active_user(user) or not practice.is_published:
        return False
    cities = set(user.memberships.values_list("city_id", flat=True))
    return bool(cities) and practice.city_id not in cities


def practice_questions_left(*, user: User) -> int:
    """Questions the user may still ask in the last 24 hours. Counted from the threads they
    opened, in the database: exact, shared by every worker, and nothing to expire."""
    since = timezone.now() - timedelta(days=1)
    asked = Thread.objects.filter(kind=K.PRACTICE, asker=user, created_at__gte=since).count()
    return max(0, settings.CONVERSATION_QUESTIONS_PER_DAY - asked)


def practice_question_ask(*, practice: Practice, by: User, body: str) -> Thread:
    """Open a question thread to the practice's city with its first message."""
    if not practice_question_can_ask(practice=practice, user=by):
        raise PermissionDenied(_("Members of another city ask the practice's city questions."))
    text = _body(body)
    with transaction.atomic():
        # One question at a time per person: the count and the insert cannot interleave.
        User.objects.select_for_update(no_key=True).filter(pk=by.pk).first()
        if practice_questions_left(user=by) <= 0:
            limit = settings.CONVERSATION_QUESTIONS_PER_DAY
            raise QuestionLimitReached(
                ngettext(
                    "You have asked %(n)d question in the last 24 hours, the most allowed. "
                    "Please try again tomorrow, or write to the secretariat.",
                    "You have asked %(n)d questions in the last 24 hours, the most allowed. "
                    "Please try again tomorrow, or write to the secretariat.",
                    limit,
                )
                % {"n": limit}
            )
        asker_city = (
            by.memberships.exclude(city_id=practice.city_id)
            .select_related("city")
            .order_by("pk")
            .first()
        )
        thread = Thread.objects.create(
            kind=K.PRACTICE,
            practice=practice,
            asker=by,
            asker_city=asker_city.city if asker_city else None,
        )
        message_post(thread=thread, by=by, body=text)
    return thread
