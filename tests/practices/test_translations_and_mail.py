import pytest
from django.core import mail

from practices.models import PracticeTranslation
from practices.notifications import transition_emails_send
from practices.services import PracticeText, practice_transition, practice_translation_set
from practices.tasks import send_transition_emails

pytestmark = pytest.mark.django_db


def test_visitor_sees_their_language_or_the_original_with_a_notice(client, people, make_practice):
    practice = make_practice("published", text__title="Night buses", language="en")
    practice_translation_set(
        practice=practice,
        by=people["editor"],
        language="fr",
        text=PracticeText(title="Bus de nuit", summary="Arrêts à la demande."),
        quality=PracticeTranslation.Quality.HUMAN_CHECKED,
    )
    fr = client.get(f"/fr/practices/{practice.pk}/").content.decode()
    assert "Bus de nuit" in fr and "Night buses" not in fr
    assert "n’est pas disponible dans votre langue" not in fr
    es = client.get(f"/es/practices/{practice.pk}/").content.decode()
    assert "Night buses" in es
    assert "no está disponible en su idioma" in es
    # the language named as Spanish writes it mid-sentence ("inglés"), not Django's "Inglés"
    assert "(inglés)" in es and "(Inglés)" not in es
    en = client.get(f"/en/practices/{practice.pk}/").content.decode()
    assert "Night buses" in en and "not available in your language" not in en
    # the list shows the visitor's language too
    assert "Bus de nuit" in client.get("/fr/practices/").content.decode()


def test_machine_translation_is_marked(client, people, make_practice):
    practice = make_practice("published", language="en")
    practice_translation_set(
        practice=practice,
        by=people["editor"],
        language="es",
        text=PracticeText(title="Autobuses nocturnos", summary="Paradas a demanda."),
        quality=PracticeTranslation.Quality.MACHINE,
    )
    page = client.get(f"/es/practices/{practice.pk}/").content.decode()
    assert "Autobuses nocturnos" in page
    assert "traducido automáticamente" in page


def test_translation_rules(people, make_practice):
    from django.core.exceptions import PermissionDenied, ValidationError

    practice = make_practice("draft", language="en")
    text = PracticeText(title="T", summary="S")
    with pytest.raises(ValidationError):
        practice_translation_set(
            practice=practice,
            by=people["practitioner"],
            language="en",
            text=text,
            quality="machine",
        )
    with pytest.raises(ValidationError):
        practice_translation_set(
            practice=practice,
            by=people["practitioner"],
            language="de",
            text=text,
            quality="machine",
        )
    with pytest.raises(PermissionDenied):
        practice_translation_set(
            practice=practice,
            by=people["other_practitioner"],
            language="fr",
            text=text,
            quality="machine",
        )
    assert practice.translations.count() == 1


def test_translation_form(client, people, make_practice):
    practice = make_practice("draft", language="en")
    client.force_login(people["practitioner"])
    url = f"/en/practices/{practice.pk}/translations/fr/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Titre", "summary": "Résumé", "quality": "human_checked"})
    assert response.status_code == 302
    assert practice.text_in("fr", fallback=False).title == "Titre"
    assert client.get(f"/en/practices/{practice.pk}/translations/en/").status_code == 404
    client.force_login(people["other_practitioner"])
    assert client.get(url).status_code == 404


def test_each_step_mails_authors_and_editors_once(
    people, make_practice, django_capture_on_commit_callbacks
):
    practice = make_practice("draft")
    author, editor = people["practitioner"], people["editor"]
    with django_capture_on_commit_callbacks(execute=True):
        practice_transition(practice=practice, by=author, name="submit")
    # the author acted: only the editor hears of it
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert "submitted" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        practice_transition(
            practice=practice, by=editor, name="request_changes", note="Add figures."
        )
    assert mail.outbox[-1].to == [author.email]
    assert "Add figures." in mail.outbox[-1].body
    assert len(mail.outbox) == 2

    # a retried task sends nothing again
    last = practice.transitions.latest("id")
    assert send_transition_emails.apply(args=[last.pk]).get() == 0
    assert transition_emails_send(transition_id=last.pk) == 0
    assert len(mail.outbox) == 2


def test_mail_in_the_recipients_language(people, make_practice, django_capture_on_commit_callbacks):
    editor = people["editor"]
    editor.preferred_language = "fr"
    editor.save()
    practice = make_practice("draft")
    with django_capture_on_commit_callbacks(execute=True):
        practice_transition(practice=practice, by=people["practitioner"], name="submit")
    assert mail.outbox[0].subject.endswith("est maintenant : soumise")
    assert "de « brouillon » à « soumise »" in mail.outbox[0].body


def test_a_refused_mail_is_retried_and_then_sent_once(people, make_practice, monkeypatch):
    practice = make_practice("draft")
    practice_transition(practice=practice, by=people["practitioner"], name="submit")
    record = practice.transitions.latest("id")
    mail.outbox.clear()
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    calls = {"n": 0}

    def flaky(self, fail_silently=False):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("connection refused")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    with pytest.raises(OSError):
        transition_emails_send(transition_id=record.pk)
    assert transition_emails_send(transition_id=record.pk) == 1
    assert transition_emails_send(transition_id=record.pk) == 0
    assert len(mail.outbox) == 1


def test_the_sweep_sends_what_could_not_be_queued(people, make_practice):
    from datetime import timedelta

    from django.utils import timezone

    from practices.tasks import sweep_transition_emails

    practice = make_practice("draft")
    # no on-commit callbacks run: as if the broker had been down when the step was made
    practice_transition(practice=practice, by=people["practitioner"], name="submit")
    assert mail.outbox == []
    practice.transitions.update(at=timezone.now() - timedelta(minutes=5))
    assert sweep_transition_emails.apply().get() == 1
    assert [m.to for m in mail.outbox] == [[people["editor"].email]]
    assert sweep_transition_emails.apply().get() == 0  # never twice
