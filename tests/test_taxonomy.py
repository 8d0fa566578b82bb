import pytest
from django.utils import translation

from practices.models import Challenge, Sdg, Topic

pytestmark = pytest.mark.django_db

CHALLENGE_SLUGS = {
    "social-cohesion",
    "sustainability",
    "economic-development",
    "gender-equality",
    "quality-of-life",
}


def test_the_five_challenges_exist():
    assert set(Challenge.objects.values_list("slug", flat=True)) == CHALLENGE_SLUGS


def test_the_17_sdgs_with_official_titles():
    assert list(Sdg.objects.values_list("number", flat=True)) == list(range(1, 18))
    goal11 = Sdg.objects.get(number=11)
    assert goal11.title_en == "Sustainable cities and communities"
    assert goal11.title_fr == "Villes et communautés durables"
    assert goal11.title_es == "Ciudades y comunidades sostenibles"


def test_about_twenty_topics():
    assert 18 <= Topic.objects.count() <= 30
    assert Topic.objects.filter(slug__in=["mobility", "housing", "water", "energy"]).count() == 4


@pytest.mark.parametrize("model", [Challenge, Topic])
def test_every_named_label_in_three_languages(model):
    for row in model.objects.all():
        names = [row.name_en, row.name_fr, row.name_es]
        assert all(n.strip() for n in names), row.slug


def test_every_sdg_title_in_three_languages_and_distinct():
    for sdg in Sdg.objects.all():
        assert sdg.title_en and sdg.title_fr and sdg.title_es
        assert sdg.title_fr != sdg.title_en
        assert sdg.title_es != sdg.title_en


def test_label_follows_the_active_language():
    sdg = Sdg.objects.get(number=2)
    challenge = Challenge.objects.get(slug="quality-of-life")
    with translation.override("fr"):
        assert challenge.label == "Qualité de vie"
        assert sdg.label == "Faim « zéro »"
    with translation.override("es"):
        assert challenge.label == "Calidad de vida"
        assert sdg.label == "Hambre cero"
    with translation.override("en"):
        assert challenge.label == "Quality of life"
