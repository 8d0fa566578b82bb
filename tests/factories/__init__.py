"""factory_boy factories for the whole project."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import User
from cities.models import City, CityMembership, Country, Region
from practices.models import Challenge, Practice, PracticeTranslation


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
