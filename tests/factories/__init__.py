"""factory_boy factories for the whole project."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import User
from accounts.services import BROKER, user_grant_staff_role
from cities.models import City, CityMembership, Country, Region
from exchanges.models import Exchange, ExchangeEvent, ExchangeRequest, Match
from practices.models import Challenge, Practice, PracticeTranslation, Sdg, Topic


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "a-strong-password-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BrokerFactory(UserFactory):
    """A secretariat broker: a user in the broker group, through the accounts service."""

    @factory.post_generation
    def _role(obj, create, extracted, **kwargs):
        if create:
            user_grant_staff_role(user=obj, role=BROKER)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "150"
    level = Region.Level.REGION
    name_en = "Europe"
    name_fr = "Europe"
    name_es = "Europa"


class SubregionFactory(RegionFactory):
    code = "155"
    level = Region.Level.SUBREGION
    name_en = "Western Europe"
    name_fr = "Europe de l’Ouest"
    name_es = "Europa occidental"
    parent = factory.SubFactory(RegionFactory)


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("iso2",)

    iso2 = "FR"
    iso3 = "FRA"
    m49 = "250"
    name_en = "France"
    name_fr = "France"
    name_es = "Francia"
    subregion = factory.SubFactory(SubregionFactory)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"Testville {n}")
    slug = factory.Sequence(lambda n: f"testville-{n}")
    country = factory.SubFactory(CountryFactory)
    population = 1_500_000
    member_status = City.MemberStatus.ACTIVE
    member_since = factory.LazyFunction(lambda: timezone.now().date())
    languages = ["fr"]


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CityMembership

    user = factory.SubFactory(UserFactory)
    city = factory.SubFactory(CityFactory)
    role = CityMembership.Role.PRACTITIONER


class PracticeFactory(factory.django.DjangoModelFactory):
    """PracticeFactory(text__title=..., text__summary=..., text__context=...) sets the original."""

    class Meta:
        model = Practice
        skip_postgeneration_save = True

    language = "en"
    city = factory.SubFactory(CityFactory)
    review_state = Practice.ReviewState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def text(obj, create, extracted, **kwargs):
        if not create:
            return
        PracticeTranslation.objects.create(
            master=obj,
            language_code=obj.language,
            title=kwargs.get("title") or f"Practice {obj.pk}",
            summary=kwargs.get("summary", "A practice that worked."),
            context=kwargs.get("context", "Context text."),
        )

    @factory.post_generation
    def challenges(obj, create, extracted, **kwargs):
        if not create:
            return
        slugs = extracted or ["sustainability"]
        obj.challenges.set(Challenge.objects.filter(slug__in=slugs))


def catalogue_practice(
    city,
    *,
    title,
    language="en",
    summary="A practice.",
    body="",
    challenges=("sustainability",),
    sdgs=(),
    topics=(),
    status="ongoing",
    start_year=None,
    awards="",
    state="published",
    translations=None,
    days_ago=0,
):
    """A practice of a search catalogue: its original text, human-checked translations
    ({language: (title, summary, body)}), taxonomy by slug and number, and a publication date
    `days_ago` days back, so tests can fix every facet and the "newest" order."""
    practice = Practice.objects.create(
        city=city,
        language=language,
        status=status,
        start_year=start_year,
        awards=awards,
        review_state=state,
        published_at=timezone.now() - timezone.timedelta(days=days_ago)
        if state in ("published", "archived")
        else None,
    )
    PracticeTranslation.objects.create(
        master=practice, language_code=language, title=title, summary=summary, context=body
    )
    for lang, (t_title, t_summary, t_body) in (translations or {}).items():
        PracticeTranslation.objects.create(
            master=practice,
            language_code=lang,
            title=t_title,
            summary=t_summary,
            context=t_body,
            quality="human_checked",
        )
    practice.challenges.set(Challenge.objects.filter(slug__in=challenges))
    practice.sdgs.set(Sdg.objects.filter(number__in=sdgs))
    practice.topics.set(Topic.objects.filter(slug__in=topics))
    return practice


# Exchanges. The rows are written as the services leave them (exchanges/services.py), without
# going through them: tests of the services call them; every other test needs the data only.


class ExchangeRequestFactory(factory.django.DjangoModelFactory):
    """A request as `exchange_request_create` files it (state "open"), by an official of its
    city. `taken=True`: as `exchange_request_take` leaves it, with a broker, "in review".
    Challenges by slug: ExchangeRequestFactory(challenges=["sustainability"])."""

    class Meta:
        model = ExchangeRequest
        skip_postgeneration_save = True

    class Params:
        taken = factory.Trait(
            state=ExchangeRequest.State.IN_REVIEW, broker=factory.SubFactory(BrokerFactory)
        )

    city = factory.SubFactory(CityFactory)
    need = "We want safer streets for women at night in the city centre."
    created_by = factory.LazyAttribute(
        lambda o: MembershipFactory(city=o.city, role=CityMembership.Role.OFFICIAL).user
    )
    state = ExchangeRequest.State.OPEN

    @factory.post_generation
    def challenges(obj, create, extracted, **kwargs):
        if create:
            slugs = extracted or ["gender-equality"]
            obj.challenges.set(Challenge.objects.filter(slug__in=slugs))


class MatchFactory(factory.django.DjangoModelFactory):
    """A peer city ranked for a request that a broker took (status "suggested")."""

    class Meta:
        model = Match

    request = factory.SubFactory(ExchangeRequestFactory, taken=True)
    peer_city = factory.SubFactory(CityFactory)
    score = 0.8


class ExchangeFactory(factory.django.DjangoModelFactory):
    """An exchange as `exchange_request_propose` leaves it: "proposed", its match proposed by
    the request's broker, the request "proposed", and the first event of its history.
    ExchangeFactory(match__request=..., match__peer_city=...) proposes to a given city."""

    class Meta:
        model = Exchange
        skip_postgeneration_save = True

    match = factory.SubFactory(
        MatchFactory,
        status=Match.Status.PROPOSED,
        proposed_by=factory.SelfAttribute("request.broker"),
        proposed_at=factory.LazyFunction(timezone.now),
    )
    state = Exchange.State.PROPOSED

    @factory.post_generation
    def proposal(obj, create, extracted, **kwargs):
        if not create:
            return
        ExchangeEvent.objects.create(
            exchange=obj,
            from_state="",
            to_state=Exchange.State.PROPOSED,
            by=obj.match.proposed_by,
            at=obj.match.proposed_at,
        )
        request = obj.match.request
        if request.state == ExchangeRequest.State.IN_REVIEW:
            request.state = ExchangeRequest.State.PROPOSED
            request.save(update_fields=["state", "updated_at"])


def region(code: str, name: str, parent: Region | None = None) -> Region:
    """The UN M49 region (or, with a parent, sub-region) of this code, created once."""
    return Region.objects.get_or_create(
        code=code,
        defaults={
            "name_en": name,
            "name_fr": name,
            "name_es": name,
            "level": "subregion" if parent else "region",
            "parent": parent,
        },
    )[0]
