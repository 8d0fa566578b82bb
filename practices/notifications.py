"""E-mail to the authors and editors at each step of the review, at most once per recipient."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.email import email_send_once
from accounts.models import User
from accounts.services import EDITOR

from .models import PracticeTransition


def transition_recipients(record: PracticeTransition) -> list[User]:
    """The practice's author and every active editor, except whoever made the step."""
    users: dict[int, User] = {}
    author = record.practice.created_by
    if author and author.is_active:
        users[author.pk] = author
    editors = Group.objects.filter(name=EDITOR).first()
    if editors:
        for user in editors.user_set.filter(is_active=True):
            users[user.pk] = user
    if record.by_id:
        users.pop(record.by_id, None)
    return sorted(users.values(), key=lambda u: u.pk)


def transition_emails_send(*, transition_id: int) -> int:
    """Send the mails of one review step. Safe to run again: returns how many it sent now."""
    record = (
        PracticeTransition.objects.select_related("practice__city", "practice__created_by", "by")
        .filter(pk=transition_id)
        .first()
    )
    if record is None:
        return 0
    sent = 0
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    for user in transition_recipients(record):
        with translation.override(user.preferred_language or "en"):
            practice = record.practice
            text = practice.text_in(user.preferred_language or "en")
            title = text.title if text else str(practice.pk)
            subject = _("[Policy Transfer] “%(title)s” is now %(state)s") % {
                "title": title[:120],
                "state": record.get_to_state_display(),
            }
            lines = [
                _("%(who)s moved the practice “%(title)s” (%(city)s) from %(from)s to %(to)s.")
                % {
                    "who": record.by or _("The platform"),
                    "title": title,
                    "city": practice.city.label,
                    "from": record.get_from_state_display() or "-",
                    "to": record.get_to_state_display(),
                },
            ]
            if record.note:
                lines += ["", _("Note:"), record.note]
            lines += ["", f"{base}{practice.get_absolute_url()}"]
            if email_send_once(
                key=f"practice-transition:{record.pk}:{user.pk}",
                to=user.email,
                subject=subject,
                body="\n".join(lines),
            ):
                sent += 1
    return sent
