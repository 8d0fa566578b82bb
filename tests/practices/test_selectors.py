"""The read rules the web and the API share (practices.selectors): taxonomy and region filters,
and what a user may do with a practice."""

import pytest
from django.contrib.auth.models import AnonymousUser

from practices.models import Challenge, Practice, Sdg, Topic
from practices.selectors import practice_in_region, practice_permissions_for, practice_tagged
from tests.factories import (
    CityFactory,
    CountryFactory,
    PracticeFactory,
    RegionFactory,
    SubregionFactory,
)

pytestmark = pytest.mark.django_db


def _ids(practices):
    return sorted(p.pk for p in practices)


def test_taxonomy_filters_take_any_term_of_a_kind_and_every_kind_given():
    water = Topic.objects.get(slug="water")
    housing = Topic.objects.get(slug="housing")
    sdg6 = Sdg.objects.get(number=6)
    a = PracticeFactory(challenges=["sustainability", "quality-of-life"])
    a.topics.set([water, housing])
    a.sdgs.set([sdg6])
    b = PracticeFactory(challenges=["sustainability"])
    b.topics.set([housing])
    c = PracticeFactory(challenges=["gender-equality"])
    everything = Practice.objects.all()

    def tagged(**terms):
        return _ids(practice_tagged(practices=everything, **terms))

    assert tagged() == _ids([a, b, c])
    sustainability = Challenge.objects.filter(slug="sustainability")
    assert tagged(challenges=sustainability) == _ids([a, b])  # once each, no join duplicates
    assert tagged(
        challenges=Challenge.objects.filter(slug__in=["gender-equality", "quality-of-life"])
    ) == _ids([a, c])
    assert tagged(challenges=sustainability, topics=[water]) == _ids([a])
    assert tagged(topics=[housing], sdgs=[sdg6]) == _ids([a])
    assert tagged(topics=[]) == []


def test_region_filter_takes_a_region_or_a_sub_region():
    europe = RegionFactory(code="150")
    western = SubregionFactory(code="155", parent=europe)
    southern = SubregionFactory(code="039", name_en="Southern Europe", parent=europe)
    africa = SubregionFactory(code="202", parent=RegionFactory(code="002", name_en="Africa"))
    lyon = PracticeFactory(city=CityFactory(country=CountryFactory(subregion=western)))
    rome = PracticeFactory(
        city=CityFactory(country=CountryFactory(iso2="IT", iso3="ITA", subregion=southern))
    )
    dakar = PracticeFactory(
        city=CityFactory(country=CountryFactory(iso2="SN", iso3="SEN", subregion=africa))
    )
    everything = Practice.objects.all()

    def within(code):
        return _ids(practice_in_region(practices=everything, region=code))

    assert within("150") == _ids([lyon, rome])
    assert within("039") == _ids([rome])
    assert within("002") == _ids([dakar])
    assert within("419") == []


@pytest.mark.parametrize(
    "role, state, can_edit, sees_history, actions",
    [
        ("practitioner", "draft", True, True, ["edit", "delete", "submit"]),
        ("editor", "draft", True, True, ["edit"]),
        ("practitioner", "submitted", False, True, ["withdraw"]),
        ("official", "published", False, True, ["archive"]),
        ("other_practitioner", "published", False, False, []),
        ("nobody", "published", False, False, []),
        ("anonymous", "published", False, False, []),
        ("editor", "submitted", True, True, ["edit", "publish", "request_changes"]),
        ("editor", "archived", False, True, ["restore"]),
        ("broker", "published", False, False, []),
    ],
)
def test_what_a_user_may_do_with_a_practice(
    people, make_practice, role, state, can_edit, sees_history, actions
):
    user = AnonymousUser() if role == "anonymous" else people[role]
    allowed = practice_permissions_for(practice=make_practice(state), user=user)
    assert allowed.can_edit is can_edit
    assert allowed.sees_history is sees_history
    assert allowed.actions == actions
    assert allowed.can_delete is ("delete" in actions)
    assert [t.name for t in allowed.transitions] == [
        a for a in actions if a not in ("edit", "delete")
    ]
