"""A new message, mailed to everyone else who takes part, each in their own language.

Who is mailed: the people of each city of the thread (conversations.selectors.
thread_participants: for a practice question, the asker and the practice's contact people)
and, for the secretariat, the request's broker, or every broker while no broker has taken the
request. Brokers are not mailed about practice questions: they read them on the inbox, and 150
cities' questions would bury their mailbox. The author is never mailed. Each mail is sent at
most once per person (accounts.email.email_send_once), so a retried task sends no duplicate.
"""

from __future__ import annotations

import textwrap

from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.email import email_send_once
from accounts.models import User
from accounts.services import BROKER

from .models import Message, Thread
from .selectors import thread_participants
from .titles import thread_title

K = Thread.Kind


def _brokers() -> list[User]:
    group = Group.objects.filter(name=BROKER).first()
    return list(group.user_set.filter(is_active=True)) if group else []


def recipients(*, message: Message) -> list[User]:
    thread = message.thread
    people: dict[int, User] = {}
    for participant in thread_participants(thread=thread):
        people.update((u.pk, u) for u in participant.people)
    if thread.kind != K.PRACTICE:
        request = thread.request
        assert request is not None
        secretariat = [request.broker] if request.broker else _brokers()
        people.update((u.pk, u) for u in secretariat if u is not None and u.is_active)
    people.pop(message.author_id or 0, None)
    return list(people.values())


def author_line(message: Message) -> str:
    """ "Ana Silva (Lisbon)" or "Bruno Broker (secretariat)", in the current language."""
    name = str(message.author) if message.author else _("A former member")
    where = message.author_city.label if message.author_city else _("secretariat")
    return f"{name} ({where})"


def compose(*, message: Message, user: User) -> tuple[str, str]:
    """Subject and body of the mail to `user`, in the active language."""
    thread = message.thread
    title = thread_title(thread)
    link = settings.SITE_URL.rstrip("/") + reverse("conversation-detail", args=[thread.pk])
    subject = _("[Policy Transfer] %(author)s wrote: %(title)s") % {
        "author": author_line(message),
        "title": title,
    }
    quoted = "\n".join(
        "> " + line if line else ">"
        for paragraph in message.body.split("\n")
        for line in (textwrap.wrap(paragraph, 76) or [""])
    )
    lines = [
        _("Hello %(name)s,") % {"name": user.get_full_name() or user.email},
        "",
        _("%(author)s wrote in the conversation “%(title)s”:")
        % {"author": author_line(message), "title": title},
        "",
        quoted,
        "",
        _("To answer, open the conversation (sign in if asked):"),
        link,
        "",
        "-- ",
        _("You receive this mail because you take part in this conversation on Policy Transfer."),
    ]
    return str(subject), "\n".join(str(x) for x in lines)


def message_notify(*, message_id: int) -> int:
    message = (
        Message.objects.select_related(
            "author",
            "author_city",
            "thread__request__city",
            "thread__request__broker",
            "thread__match__request__city",
            "thread__match__peer_city",
            "thread__practice__city",
            "thread__asker",
            "thread__asker_city",
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return 0
    sent = 0
    for user in recipients(message=message):
        with translation.override(user.preferred_language or "en"):
            subject, body = compose(message=message, user=user)
        if email_send_once(
            key=f"message:{message.pk}:{user.pk}", to=user.email, subject=subject, body=body
        ):
            sent += 1
    return sent
