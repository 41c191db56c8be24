"""Factories for regions, stations and staff, used across the suite."""

import factory
from django.utils import timezone

from junjia.orgs.choices import Level, Publication, RegionSource
from junjia.orgs.codes import key_of, level_of, subtree_range
from junjia.orgs.models import Region, RoleGrant, Station, StationPublication, User


def make_region(code: str, name: str, parent: Region | None = None) -> Region:
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level_of(code),
            "parent": parent,
            "key": key_of(code),
            "key_high": subtree_range(code)[1],
            "full_name": (parent.full_name if parent else "") + name,
            "source": RegionSource.MANUAL
            if level_of(code) >= Level.TOWNSHIP
            else RegionSource.CATALOG,
        },
    )
    return region


def make_station(region: Region, **fields) -> Station:
    station, created = Station.objects.get_or_create(
        region=region,
        defaults={"region_key": region.key, "name": f"{region.name}退役军人服务站", **fields},
    )
    if created:
        StationPublication.objects.bulk_create(
            [StationPublication(station=station, kind=k) for k in Publication.values]
        )
    return station


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    must_change_password = False
    password_changed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password("Junjia-Test-2026!")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            RoleGrant.objects.create(user=self, role=role)


def make_staff(station: Station, *roles: str, username: str | None = None, **fields) -> User:
    kwargs = {"station": station, "region_key": station.region_key, "roles": list(roles), **fields}
    if username:
        kwargs["username"] = username
    return UserFactory(**kwargs)
