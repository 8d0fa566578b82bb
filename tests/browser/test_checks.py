"""Every page type, as each kind of person sees it, checked in Chromium by axe-core (no serious
or critical violation) and, from the HTML the server sent, by the Nu HTML Checker (no error).
vnu runs once, over every saved page, so the JVM starts once."""

import json
import shutil
import subprocess

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from conversations import services as conversation_services
from exchanges.models import Exchange
from search.backends.base import SearchQuery
from search.querylog import search_query_record
from tests.factories import ExchangeFactory, ExchangeRequestFactory, PracticeFactory
from tests.support import ARTIFACTS, AXE_JS, VNU_JAR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.elasticsearch,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
LANGUAGE = "fr"
SERIOUS = {"serious", "critical"}
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + n.html.slice(0, 120)),
  }));
}"""


def _content_to_check(world):
    """A draft, a practice waiting for review and a proposal, so the dashboard, the review
    queue and the board show rows rather than empty lists."""
    dakar, lyon = world["cities"]["dakar"], world["cities"]["lyon"]
    PracticeFactory(city=dakar, review_state="draft", published_at=None, text__title="Brouillon")
    PracticeFactory(city=dakar, review_state="submitted", published_at=None, text__title="Soumise")
    request = ExchangeRequestFactory(
        city=dakar,
        created_by=world["people"]["official"],
        need="Des rues plus sûres pour les femmes la nuit dans le centre-ville.",
        taken=True,
        broker=world["people"]["broker"],
    )
    exchange = ExchangeFactory(match__request=request, match__peer_city=lyon)
    request.refresh_from_db()
    # A conversation on the proposal, with a message, for the thread and the inbox.
    thread = conversation_services.thread_open_for_match(
        match=exchange.match, by=world["people"]["peer"]
    )
    conversation_services.message_post(
        thread=thread, by=world["people"]["peer"], body="Bienvenue en mai.\nQui viendra ?"
    )
    return request


def conversation_thread(request):
    from conversations.models import Thread

    return Thread.objects.get(match__request=request)


def _following_and_invitations(world):
    """A saved search, a practice on a list, invitations waiting, used and unknown, and the
    unsubscribe links of a digest (a good one, an altered one)."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Invitation
    from cities.invitations import invitation_create
    from following.services import bookmark_add, saved_search_save, unsubscribe_token

    practitioner = world["people"]["practitioner"]
    saved = saved_search_save(
        user=practitioner, query_string="q=marches", name="Marches", frequency="weekly"
    )
    bookmark_add(user=practitioner, practice=world["walks"])
    broker = world["people"]["broker"]
    quito = world["cities"]["quito"]
    _waiting, token = invitation_create(
        by=broker, city=quito, email="new@quito.test", role="official", language="fr"
    )
    used, used_token = invitation_create(
        by=broker, city=quito, email="other@quito.test", role="practitioner", language="fr"
    )
    Invitation.objects.filter(pk=used.pk).update(accepted_at=timezone.now())
    expired, expired_token = invitation_create(
        by=broker, city=quito, email="late@quito.test", role="practitioner", language="fr"
    )
    Invitation.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=10),
        expires_at=timezone.now() - timedelta(days=3),
    )
    unsubscribe = unsubscribe_token(user_id=practitioner.pk, saved_search_ids=[saved.pk])
    return {
        "invitation": token,
        "used": used_token,
        "expired": expired_token,
        "unsubscribe": unsubscribe,
    }


def test_every_page_type_passes_axe_and_the_html_checker(world, actors):
    request = _content_to_check(world)
    # A completed exchange shows each city its own evaluation form; a search that found
    # nothing gives the gap view a row.
    completed = ExchangeFactory(
        match__request=ExchangeRequestFactory(
            city=world["cities"]["dakar"], taken=True, broker=world["people"]["broker"]
        ),
        match__peer_city=world["cities"]["lyon"],
    )
    Exchange.objects.filter(pk=completed.pk).update(state="completed")
    search_query_record(query=SearchQuery(text="zzqqxx", language=LANGUAGE), results=0)
    links = _following_and_invitations(world)
    visitor = actors("visitor", LANGUAGE)
    practitioner = actors("practitioner", LANGUAGE)
    practitioner.sign_in("practitioner@dakar.test")
    editor = actors("editor", LANGUAGE)
    editor.sign_in("editor@metropolis.test")
    broker = actors("broker", LANGUAGE)
    broker.sign_in("broker@metropolis.test")
    official = actors("official", LANGUAGE)
    official.sign_in("official@dakar.test")
    peer = actors("peer", LANGUAGE)
    peer.sign_in("official@lyon.test")
    # The two pages Django renders without the request: served as they are, through a route.
    with translation.override(LANGUAGE):
        crash_page = server_error(RequestFactory().get("/")).content
    csrf_page = (
        Client(enforce_csrf_checks=True)
        .post(f"/{LANGUAGE}/accounts/login/", {"username": "a@b.c", "password": "x"})
        .content
    )

    def serve(status, body):
        # One parameter: Playwright passes (route, request) to a handler that takes two.
        return lambda route: route.fulfill(
            status=status, content_type="text/html; charset=utf-8", body=body
        )

    visitor.page.route("**/boom/", serve(500, crash_page))
    visitor.page.route("**/expired/", serve(403, csrf_page))
    pages = [
        ("home", visitor, "/", 200),
        ("search-results", visitor, "/search/?q=marches&challenge=gender-equality", 200),
        ("search-no-results", visitor, "/search/?q=zzqqxx", 200),
        ("practice", visitor, f"/practices/{world['walks'].pk}/", 200),
        ("city", visitor, "/cities/lyon/", 200),
        ("city-list", visitor, "/cities/", 200),
        ("practice-list", visitor, "/practices/", 200),
        ("sign-in", visitor, "/accounts/login/", 200),
        ("password-reset", visitor, "/accounts/password-reset/", 200),
        ("not-found", visitor, "/practices/999999/", 404),
        ("server-error", visitor, "/boom/", 500),
        ("csrf-failure", visitor, "/expired/", 403),
        ("dashboard", practitioner, "/my-city/", 200),
        ("editor", practitioner, "/practices/new/", 200),
        ("practice-as-member", practitioner, f"/practices/{world['walks'].pk}/", 200),
        ("forbidden", practitioner, "/exchanges/board/", 403),
        ("review-queue", editor, "/practices/review/", 200),
        ("request-form", official, "/exchanges/requests/new/", 200),
        ("request-as-broker", broker, f"/exchanges/requests/{request.pk}/", 200),
        ("broker-board", broker, "/exchanges/board/", 200),
        ("exchange-as-peer", peer, f"/exchanges/{request.matches.get().exchange.pk}/", 200),
        ("conversations", official, "/conversations/", 200),
        ("conversation", official, f"/conversations/{conversation_thread(request).pk}/", 200),
        ("ask-a-city", practitioner, f"/conversations/practice/{world['walks'].pk}/ask/", 200),
        ("contact-people", peer, f"/conversations/practice/{world['walks'].pk}/contacts/", 200),
        ("secretariat-dashboard", broker, "/dashboard/", 200),
        ("gaps", broker, "/dashboard/gaps/", 200),
        ("pipeline", broker, "/exchanges/pipeline/", 200),
        ("evaluation-learner", official, f"/exchanges/{completed.pk}/", 200),
        ("evaluation-host", peer, f"/exchanges/{completed.pk}/", 200),
        ("saved-searches", practitioner, "/following/searches/", 200),
        ("save-search", practitioner, "/following/searches/save/?query=q%3Dmarches", 200),
        ("my-list", practitioner, "/following/list/", 200),
        ("unsubscribe", visitor, f"/following/unsubscribe/{links['unsubscribe']}/", 200),
        ("unsubscribe-invalid", visitor, "/following/unsubscribe/forged/", 404),
        ("invitation-form", broker, "/invitations/new/", 200),
        ("invitation-sign-up", visitor, f"/invitations/{links['invitation']}/", 200),
        ("invitation-join", peer, f"/invitations/{links['invitation']}/", 200),
        ("invitation-used", visitor, f"/invitations/{links['used']}/", 410),
        ("invitation-expired", visitor, f"/invitations/{links['expired']}/", 410),
        ("invitation-unknown", visitor, "/invitations/not-a-token/", 404),
    ]
    html_dir = ARTIFACTS / "html"
    shutil.rmtree(html_dir, ignore_errors=True)
    html_dir.mkdir(parents=True)
    axe_source = AXE_JS.read_text(encoding="utf-8")
    problems = []
    report = {}
    for name, actor, path, status in pages:
        response = actor.goto(path)
        assert response.status == status, f"{name}: {response.status} at {path}"
        (html_dir / f"{name}.html").write_bytes(response.body())
        actor.shot(name)
        actor.page.evaluate(axe_source)
        report[name] = actor.page.evaluate(AXE_RUN)
        for v in report[name]:
            if v["impact"] in SERIOUS:
                problems.append(f"axe {name}: {v['id']} ({v['impact']}) {v['help']} {v['nodes']}")

    # Every violation, the moderate and minor ones too, for people to read.
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))

    vnu = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", str(html_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    for message in json.loads(vnu.stderr or '{"messages": []}')["messages"]:
        if message.get("type") == "error":
            where = message.get("url", "").rsplit("/", 1)[-1]
            extract = message.get("extract", "").strip()[:120]
            line = message.get("lastLine")
            problems.append(f"vnu {where}:{line}: {message['message']} [{extract}]")
    assert not problems, "\n".join(problems)
