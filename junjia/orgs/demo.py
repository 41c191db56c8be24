"""Deterministic synthetic regions, stations and staff for the demo and for benchmarks."""

import csv
import os
import random
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from junjia.core import audit
from junjia.core.models import AuditAction

from .catalog import load_catalog
from .choices import ADMIN_ROLES, Level, Publication, RegionSource, Role
from .codes import key_of, subtree_range
from .models import Region, RoleGrant, Station, StationPublication, User
from .selectors import station_staff_roles
from .services import default_station_name, staff_create, staff_set_roles

DEMO_CITY = "370200"  # 青岛市
DEMO_COUNTIES = ("370202", "370203", "370211")  # 市南区、市北区、黄岛区

_TOWN_HEADS = "东西南北中新安和平兴华永宁福康泰丰庆德明光胜利长青文昌瑞金"
_VILLAGE_TAILS = ("村", "村", "村", "社区")


def _initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


def _town_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = (
            rng.choice(_TOWN_HEADS) + rng.choice(_TOWN_HEADS) + rng.choice(("街道", "镇", "街道"))
        )
        if name not in used:
            used.add(name)
            return name


def _village_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(_TOWN_HEADS) + rng.choice(_TOWN_HEADS) + rng.choice(_VILLAGE_TAILS)
        if name not in used:
            used.add(name)
            return name


def build_tree(
    county_codes,
    townships_per_county: int,
    villages_per_township: int,
    seed: int = 7,
    batch_size: int = 5000,
) -> tuple[int, int]:
    """Bulk-create townships and villages under the given counties; returns the counts."""
    rng = random.Random(seed)
    counties = list(Region.objects.filter(code__in=county_codes).order_by("key"))
    batch: list[Region] = []
    towns = villages = 0

    def flush():
        Region.objects.bulk_create(batch, batch_size=batch_size)
        batch.clear()

    for county in counties:
        used_towns: set[str] = set()
        town_regions = []
        for t in range(1, townships_per_county + 1):
            code = f"{county.code}{t:03d}000"
            name = _town_name(rng, used_towns)
            town = Region(
                code=code,
                name=name,
                level=Level.TOWNSHIP,
                parent=county,
                key=key_of(code),
                key_high=subtree_range(code)[1],
                full_name=county.full_name + name,
                source=RegionSource.IMPORT,
            )
            town_regions.append(town)
        Region.objects.bulk_create(town_regions, batch_size=batch_size)
        towns += len(town_regions)
        for town in town_regions:
            used_villages: set[str] = set()
            for v in range(1, villages_per_township + 1):
                code = f"{town.code[:9]}{v:03d}"
                name = _village_name(rng, used_villages)
                batch.append(
                    Region(
                        code=code,
                        name=name,
                        level=Level.VILLAGE,
                        parent=town,
                        key=key_of(code),
                        key_high=key_of(code),
                        full_name=town.full_name + name,
                        source=RegionSource.IMPORT,
                    )
                )
                villages += 1
                if len(batch) >= batch_size:
                    flush()
    flush()
    return towns, villages


def create_stations(regions) -> list[Station]:
    rng = random.Random(11)
    stations = []
    for region in regions:
        authorised = {Level.CITY: 20, Level.COUNTY: 12, Level.TOWNSHIP: 5, Level.VILLAGE: 2}.get(
            region.level, 2
        )
        # A few stations fall short of the 90% fill rate (002 §4.3), as in real life.
        filled = authorised if rng.random() > 0.15 else max(0, authorised - rng.randint(1, 2))
        stations.append(
            Station(
                region=region,
                region_key=region.key,
                name=default_station_name(region),
                address=f"{region.full_name}{rng.randint(1, 300)}号",
                phone=f"0532-{rng.randint(80000000, 89999999)}",
                hotline="0532-12345" if region.level <= Level.COUNTY else "",
                office_hours="工作日 8:30–12:00，13:30–17:30（午间 12:00–13:30 轮值）",
                authorised_posts=authorised,
                filled_posts=filled,
                funding_in_budget=region.level <= Level.TOWNSHIP or rng.random() > 0.3,
            )
        )
    Station.objects.bulk_create(stations, batch_size=2000)
    stations = list(Station.objects.filter(region__in=regions).select_related("region"))
    pubs = [
        StationPublication(station=s, kind=kind, content=_publication_text(kind, s))
        for s in stations
        for kind in Publication.values
    ]
    StationPublication.objects.bulk_create(pubs, batch_size=5000)
    return stations


def _publication_text(kind: str, station: Station) -> str:
    texts = {
        "duties": (
            "负责辖区退役军人和其他优抚对象的信息采集、政策咨询、就业创业扶持、"
            "走访慰问、帮扶援助、权益维护等服务保障工作。"
        ),
        "rules": "首问负责制、一次性告知制、限时办结制、AB角工作制、服务承诺制、责任追究制。",
        "process": "接待登记 → 材料审核 → 受理办理 → 结果反馈 → 跟踪回访。",
        "organisation": f"{station.name}设站长1名，工作人员若干，实行AB角。",
        "services": (
            "政策咨询、信息采集、优待证申领、光荣牌悬挂、抚恤定补、就业创业服务、"
            "困难帮扶、法律援助。"
        ),
        "commitments": "热情接待、一次告知、限时办结、办事公开、服务规范，接受群众监督。",
    }
    return texts[kind]


# Which roles each level's demo station gets; admin roles at city and county level.
_ROLES_BY_LEVEL = {
    Level.CITY: [Role.STATION_HEAD, Role.CLERK, Role.REVIEWER, Role.LEADER, *ADMIN_ROLES],
    Level.COUNTY: [Role.STATION_HEAD, Role.CLERK, Role.REVIEWER, Role.LEADER, *ADMIN_ROLES],
    Level.TOWNSHIP: [Role.STATION_HEAD, Role.CLERK, Role.REVIEWER],
    Level.VILLAGE: [Role.STATION_HEAD, Role.CLERK],
}
_ROLE_SLUG = {
    Role.STATION_HEAD: "head",
    Role.CLERK: "clerk",
    Role.REVIEWER: "reviewer",
    Role.LEADER: "leader",
    Role.SYSTEM_ADMIN: "sysadmin",
    Role.SECURITY_ADMIN: "secadmin",
    Role.AUDIT_ADMIN: "auditor",
}


def _username(region: Region, role: str) -> str:
    tail = region.code[-6:] if region.level >= Level.TOWNSHIP else ""
    return f"{_initials(region.name)}{tail}_{_ROLE_SLUG[role]}"


def create_staff(stations, villages_with_staff: int = 1) -> list[tuple[str, str, str, str]]:
    """Accounts with one-time passwords; returns (username, role, station, password) rows.

    Made as in real life (三员分立): the first station's security and system administrators
    are made by the operator (bootstrap_admin); then the demo acts as that system
    administrator to create every other account and as that security administrator to
    grant its role, through the same services as the pages."""
    from faker import Faker

    from .auth_services import bootstrap_admin

    fake = Faker("zh_CN")
    fake.seed_instance(17)
    staffed_villages: dict[int, int] = {}
    levels_with_every_role: set[int] = set()
    planned: list[tuple[Station, str, str]] = []
    for station in stations:
        region = station.region
        if region.level == Level.VILLAGE:
            parent_id = region.parent_id
            if staffed_villages.get(parent_id, 0) >= villages_with_staff:
                continue
            staffed_villages[parent_id] = staffed_villages.get(parent_id, 0) + 1
        roles = _ROLES_BY_LEVEL.get(region.level, [])
        if region.level not in levels_with_every_role:
            # The first station of each level gets every role, so each persona can be tried.
            levels_with_every_role.add(region.level)
            roles = list(Role)
        planned += [(station, role, fake.name()) for role in roles]
    top = stations[0]
    admins = {}
    rows = []
    for role in (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN):
        name = next(n for s, r, n in planned if s == top and r == role)
        admins[role], password = bootstrap_admin(
            station=top,
            username=_username(top.region, role),
            role=role,
            full_name=name,
            event="演示数据：初始管理员",
        )
        rows.append((admins[role].username, Role(role).label, top.name, password))
    for station, role, name in planned:
        if station == top and role in admins:
            continue
        user, password = staff_create(
            actor=admins[Role.SYSTEM_ADMIN],
            station=station,
            username=_username(station.region, role),
            full_name=name,
            office_phone=station.phone,
        )
        staff_set_roles(actor=admins[Role.SECURITY_ADMIN], user=user, roles=[role])
        rows.append((user.username, Role(role).label, station.name, password))
    return rows


def demo_loaded() -> bool:
    return Station.objects.filter(region__code=DEMO_CITY).exists()


@transaction.atomic
def build_demo(*, townships: int = 10, villages: int = 10) -> list[tuple[str, str, str, str]]:
    load_catalog()
    build_tree(DEMO_COUNTIES, townships, villages)
    city = Region.objects.get(code=DEMO_CITY)
    regions = list(Region.objects.filter(_demo_scope()).order_by("key"))
    stations = create_stations(regions)
    rows = create_staff(stations)
    audit.record(
        actor=None,
        action=AuditAction.IMPORT,
        object_type="orgs.demo",
        object_repr="演示数据",
        region_key=city.key,
        extra={"regions": len(regions), "stations": len(stations), "staff": len(rows)},
    )
    return rows


def _demo_scope():
    """The demo city and the three demo counties' subtrees (not the rest of the city)."""
    q = Q(code=DEMO_CITY)
    for code in DEMO_COUNTIES:
        low, high = subtree_range(code)
        q |= Q(key__gte=low, key__lte=high)
    return q


def write_accounts_file(rows, path: Path | None = None) -> Path:
    path = Path(path or settings.JUNJIA_DEMO_ACCOUNTS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["用户名", "角色", "所属中心（站）", "一次性密码"])
        writer.writerows(rows)
    os.chmod(path, 0o600)
    return path


# --- province scale (registry's load_registry_demo --scale province) ------------------------

_SCALE_ROLES = {
    Level.PROVINCE: (Role.CLERK, Role.STATION_HEAD),
    Level.CITY: (Role.CLERK, Role.STATION_HEAD),
    Level.COUNTY: (Role.CLERK, Role.REVIEWER, Role.STATION_HEAD),
    Level.TOWNSHIP: (Role.CLERK, Role.REVIEWER),
    Level.VILLAGE: (Role.CLERK,),
}


@transaction.atomic
def ensure_scale_staff(province: Region, *, full_name: Callable[[random.Random], str]) -> int:
    """Stations and staff for a province built by `load_demo --scale province`: every
    centre, every township station and the first village station of each township, each
    with the roles the review needs. Accounts have no usable password (log-in only by an
    administrator's reset); `full_name` draws each person's name. Returns the number of
    accounts created."""
    regions = Region.objects.filter(key__gte=province.key, key__lte=province.key_high)
    first_villages = {}
    for region_id, parent_id in (
        regions.filter(level=Level.VILLAGE).order_by("key").values_list("id", "parent_id")
    ):
        first_villages.setdefault(parent_id, region_id)
    wanted = regions.filter(level__lte=Level.TOWNSHIP) | regions.filter(
        id__in=list(first_villages.values())
    )
    missing = list(wanted.filter(station__isnull=True).order_by("key"))
    if missing:
        create_stations(missing)
    stations = Station.objects.filter(region__in=wanted).select_related("region")
    have: dict[int, set[str]] = {}
    for role, _user_id, key, _station_name in station_staff_roles(province.key, province.key_high):
        have.setdefault(key, set()).add(role)
    rng = random.Random("scale-staff")
    users, grants = [], []
    unusable = make_password(None)
    now = timezone.now()
    for station in stations:
        for role in _SCALE_ROLES[station.region.level]:
            if role in have.get(station.region_key, ()):
                continue
            username = f"scale_{station.region.code}_{role}"
            user = User(
                username=username,
                full_name=full_name(rng),
                office_phone=station.phone,
                station=station,
                region_key=station.region_key,
                password=unusable,
                must_change_password=True,
                password_changed_at=now,
            )
            users.append(user)
            grants.append((username, role))
    User.objects.bulk_create(users, batch_size=2000)
    by_name = dict(User.objects.filter(username__startswith="scale_").values_list("username", "id"))
    RoleGrant.objects.bulk_create(
        [RoleGrant(user_id=by_name[u], role=r) for u, r in grants], batch_size=5000
    )
    return len(users)
