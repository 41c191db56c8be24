"""The jurisdiction kernel against the persona matrix."""

import pytest
from django.http import Http404

from junjia.orgs.models import Station
from junjia.orgs.permissions import (
    can_reach,
    capabilities,
    get_for_actor,
    has_capability,
    region_scope,
)
from junjia.orgs.tests.factories import make_staff

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(s.region.name for s in qs)


def test_village_clerk_sees_only_their_village(personas, tree):
    qs = Station.objects.filter(region_scope(personas.clerk_a, "station.view"))
    assert names(qs) == ["村A"]


def test_township_reviewer_sees_the_township_subtree(personas):
    qs = Station.objects.filter(region_scope(personas.reviewer_town, "station.view"))
    assert names(qs) == sorted(["村A", "村B", "甲街道"])


def test_county_head_sees_the_county_not_the_neighbour(personas):
    qs = Station.objects.filter(region_scope(personas.head_county, "station.view"))
    assert names(qs) == sorted(["乙街道", "村A", "村B", "村C", "甲街道", "市南区"])


def test_anonymous_and_inactive_see_nothing(personas, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not Station.objects.filter(region_scope(AnonymousUser(), "station.view")).exists()
    personas.clerk_a.is_active = False
    assert not Station.objects.filter(region_scope(personas.clerk_a, "station.view")).exists()


def test_capability_missing_means_no_rows_even_in_jurisdiction(personas):
    assert not has_capability(personas.clerk_a, "station.edit")
    assert not Station.objects.filter(region_scope(personas.clerk_a, "station.edit")).exists()


def test_object_check_equals_list_filter(personas, tree):
    for persona in vars(personas).values():
        listed = set(
            Station.objects.filter(region_scope(persona, "station.view")).values_list(
                "pk", flat=True
            )
        )
        checked = {
            s.pk for s in Station.objects.all() if can_reach(persona, "station.view", s.region_key)
        }
        assert listed == checked, persona.username


def test_get_for_actor_answers_404_outside_jurisdiction(personas, tree):
    with pytest.raises(Http404):
        get_for_actor(
            Station.objects.all(), personas.clerk_a, "station.view", pk=tree.stations.village_b.pk
        )
    found = get_for_actor(
        Station.objects.all(), personas.clerk_a, "station.view", pk=tree.stations.village_a.pk
    )
    assert found == tree.stations.village_a


def test_several_roles_give_exactly_the_union(tree):
    from junjia.orgs.choices import Role
    from junjia.orgs.roles import CAPABILITIES

    user = make_staff(tree.stations.county, Role.CLERK, Role.LEADER)
    assert capabilities(user) == CAPABILITIES[Role.CLERK] | CAPABILITIES[Role.LEADER]


def test_subtree_filter_is_one_query(personas, django_assert_num_queries):
    user = personas.head_county
    user.station.region  # noqa: B018  (warm the jurisdiction cache)
    region_scope(user, "station.view")
    with django_assert_num_queries(1):
        list(Station.objects.filter(region_scope(user, "station.view")))
