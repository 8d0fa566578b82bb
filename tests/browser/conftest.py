"""Browser tests: Playwright drives Debian's Chromium (headless, no browser download) against
pytest-django's live server. One browser per session; each actor gets a browser context of its
own (its own cookies), so a journey signs people in side by side instead of in and out.

Screenshots and the HTML checked by vnu go to test-artifacts/ (gitignored)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.factories import CityFactory, MembershipFactory, PracticeFactory, UserFactory
from tests.support import ARTIFACTS, CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

PASSWORD = "a-strong-password-1"  # the factories' password


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # Root in a container: no user namespaces for the sandbox, a small /dev/shm.
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield browser
        browser.close()


class Actor:
    """One person in one browser context, with the screenshots of their journey."""

    def __init__(
        self,
        browser,
        base_url: str,
        language: str,
        shots: Path,
        name: str,
        javascript: bool,
        viewport: tuple[int, int] = (1280, 900),
    ):
        self.context = browser.new_context(
            base_url=base_url,
            locale=language,
            viewport={"width": viewport[0], "height": viewport[1]},
            java_script_enabled=javascript,
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.language = language
        self.shots = shots
        self.name = name
        self.errors: list[str] = []
        # A CSP refusal or a script error shows in the console; the journeys must have none.
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def url(self, path: str) -> str:
        return f"/{self.language}{path}"

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def shot(self, step: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        index = len(list(self.shots.glob("*.png"))) + 1
        self.page.screenshot(path=str(self.shots / f"{index:02d}-{self.name}-{step}.png"))

    def sign_in(self, email: str) -> None:
        self.goto("/accounts/login/")
        self.page.fill("#id_username", email)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_url(re.compile(rf"/{self.language}/$"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def actors(browser, live_server, request):
    made: list[Actor] = []
    test_name = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")
    shots = ARTIFACTS / "screenshots" / test_name
    for old in shots.glob("*.png"):
        old.unlink()

    def make(
        name: str, language: str, javascript: bool = True, viewport: tuple[int, int] = (1280, 900)
    ) -> Actor:
        actor = Actor(browser, live_server.url, language, shots, name, javascript, viewport)
        made.append(actor)
        return actor

    yield make
    for actor in made:
        actor.close()


@pytest.fixture(scope="session")
def migrated_data(django_db_setup, django_db_blocker):
    from django.db import connections

    return connections["default"]._test_serialized_contents


@pytest.fixture
def world(migrated_data, transactional_db, request):
    """Cities, people and published practices, indexed in a fresh Elasticsearch index."""
    request.getfixturevalue("es_settings")
    from accounts.services import BROKER, EDITOR, user_grant_staff_role
    from practices.models import Challenge
    from search.backends import get_backend

    if not Challenge.objects.exists():
        # Data of the migrations (taxonomy), emptied by the previous test's flush. Django puts it
        # back only when the connection object carries the serialized copy, and once
        # Playwright's event loop runs in this thread, Django hands out another one.
        # Tables refilled by post_migrate since (groups, permissions) are left as they are.
        # One transaction: PostgreSQL checks the (deferred) foreign keys at its end, so rows
        # may come in any order (permissions before their content types, after a test with
        # serialized_rollback, whose flush does not run post_migrate).
        from django.core import serializers
        from django.db import transaction

        filled: dict[type, bool] = {}
        with transaction.atomic():
            for item in serializers.deserialize("json", migrated_data):
                model = type(item.object)
                if model not in filled:
                    filled[model] = model._default_manager.exists()
                if not filled[model]:
                    item.save()
    # Coordinates put them on the map (cities/maps.py), which axe and vnu then check too.
    dakar = CityFactory(
        name="Dakar", slug="dakar", languages=["fr"], latitude=14.69, longitude=-17.44
    )
    lyon = CityFactory(
        name="Lyon", slug="lyon", languages=["fr", "en"], latitude=45.76, longitude=4.84
    )
    quito = CityFactory(
        name="Quito", slug="quito", languages=["es"], latitude=-0.22, longitude=-78.51
    )
    people = {
        "practitioner": MembershipFactory(
            city=dakar, role="practitioner", user__email="practitioner@dakar.test"
        ).user,
        "official": MembershipFactory(
            city=dakar, role="official", user__email="official@dakar.test"
        ).user,
        "peer": MembershipFactory(
            city=lyon, role="official", user__email="official@lyon.test"
        ).user,
        "editor": user_grant_staff_role(
            user=UserFactory(email="editor@metropolis.test"), role=EDITOR
        ),
        "broker": user_grant_staff_role(
            user=UserFactory(email="broker@metropolis.test"), role=BROKER
        ),
    }
    practices = {
        "walks": PracticeFactory(
            city=lyon,
            language="fr",
            challenges=["gender-equality"],
            text__title="Marches exploratoires de femmes",
            text__summary="Des habitantes repèrent les lieux peu sûrs et la ville les corrige.",
            text__context="Les rues du centre sont mal éclairées la nuit.",
        ),
        "lighting": PracticeFactory(
            city=lyon,
            language="en",
            challenges=["gender-equality", "quality-of-life"],
            text__title="Safer street lighting",
            text__summary="Lighting plans drawn with women who walk at night.",
        ),
        "buses": PracticeFactory(
            city=quito,
            language="es",
            challenges=["sustainability"],
            text__title="Buses eléctricos",
            text__summary="Una flota de buses eléctricos para el centro.",
        ),
    }
    # Covers as the demo draws them (portal/covers.py), through the upload service, so pages
    # are checked and weighed with their pictures; "walks" has been adapted by two cities.
    from django.core.files.base import ContentFile

    from portal.covers import cover_alt_text, cover_image
    from practices.models import Practice
    from practices.services import practice_attachment_add

    request.getfixturevalue("media_root")
    for key, challenge in (("walks", "gender-equality"), ("buses", "sustainability")):
        practice = practices[key]
        practice_attachment_add(
            practice=practice,
            by=people["editor"],
            upload=ContentFile(cover_image(seed=key, challenge=challenge), name="cover.jpg"),
            alt_text=cover_alt_text(challenge=challenge, language=practice.language),
            as_cover=True,
        )
    Practice.objects.filter(pk=practices["walks"].pk).update(adapted_count=2)
    backend = get_backend()
    backend.rebuild()
    backend.refresh()
    return {"cities": {"dakar": dakar, "lyon": lyon, "quito": quito}, "people": people, **practices}
