"""What a thread is called, in the reader's language (pages, inbox, mails)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.languages import current_language

from .models import Thread

K = Thread.Kind


def thread_title(thread: Thread) -> str:
    if thread.kind == K.REQUEST:
        assert thread.request is not None
        return _("Request of %(city)s, with the secretariat") % {"city": thread.request.city.label}
    if thread.kind == K.PROPOSAL:
        assert thread.match is not None
        return _("Proposal: %(requester)s and %(peer)s") % {
            "requester": thread.match.request.city.label,
            "peer": thread.match.peer_city.label,
        }
    assert thread.practice is not None
    text = thread.practice.text_in(current_language())
    title = text.title if text else str(thread.practice)
    return _("Question about “%(practice)s”") % {"practice": title}
