"""Who lives and who acts where: the load cut into parts of one county, plain data for workers."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from junjia.orgs.api import (
    Level,
    Role,
    known_region_codes,
    local_region_rows,
    region_codes,
    station_staff_roles,
    subtree_range,
)

from ..models import (
    Recipient,
)

# Codes retired from the national list (older people still carry them): a warning, never a
# refusal (idnumber.parse). Filtered against the loaded catalogue before use.
RETIRED_CODES = (
    "370205",  # 青岛市四方区（2012 年并入市北区）
    "370284",  # 胶南市（2012 年并入黄岛区）
    "370282",  # 即墨市（2017 年改为即墨区）
    "370181",  # 章丘市（2016 年改为章丘区）
    "370125",  # 济阳县（2018 年改为济阳区）
    "371202",  # 莱芜市莱城区（2019 年并入济南）
    "110103",  # 北京市崇文区（2010 年撤销）
    "110104",  # 北京市宣武区（2010 年撤销）
    "310103",  # 上海市卢湾区（2011 年撤销）
    "310108",  # 上海市闸北区（2015 年撤销）
    "320103",  # 南京市白下区（2013 年撤销）
)


# --- the plan: who lives where, who acts where ------------------------------------------------


@dataclass(frozen=True)
class Actor:
    user_id: int
    station_name: str


@dataclass(frozen=True)
class Village:
    region_id: int
    key: int
    full_name: str
    name: str
    town: int  # index into Part.towns
    clerk: Actor | None  # a staffed village station's clerk creates its files


@dataclass(frozen=True)
class Town:
    name: str
    clerk: Actor
    reviewer: Actor


@dataclass(frozen=True)
class Part:
    """Up to PART_SIZE people of one county; everything a worker needs, as plain data."""

    seed: int
    county_index: int
    n_counties: int
    county_code: str
    part: int
    n_parts: int
    count: int
    first_id: int
    villages: tuple[Village, ...]
    towns: tuple[Town, ...]
    county_reviewer: Actor
    scope_codes: tuple[str, ...]  # every county code in the load (moves within the scope)
    other_codes: tuple[str, ...]  # current county codes elsewhere (moves from other provinces)
    retired_codes: tuple[str, ...]
    today: dt.date
    for_copy: bool


@dataclass
class Rows:
    recipients: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    honours: list[dict] = field(default_factory=list)
    family: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    unknown_codes: int = 0


# --- plans ---------------------------------------------------------------------------------


def _staff_by_station(low: int, high: int) -> dict[int, dict[str, Actor]]:
    """{station region key: {role: first user with that role}} within a key range."""
    found: dict[int, dict[str, Actor]] = {}
    for role, user_id, key, station_name in station_staff_roles(low, high):
        found.setdefault(key, {}).setdefault(role, Actor(user_id, station_name))
    return found


def _first(roles: dict[str, Actor], *wanted: str, other_than: Actor | None = None) -> Actor | None:
    for role in wanted:
        actor = roles.get(role)
        if actor is not None and actor != other_than:
            return actor
    return None


def build_parts(
    counties, *, count: int, seed: int, today: dt.date, part_size: int, for_copy: bool
) -> list[Part]:
    """Cut `count` people over the counties' villages into parts (plain data for workers)."""
    counties = sorted(counties, key=lambda r: r.key)
    rng = random.Random(f"{seed}:counties")
    weights = [rng.uniform(0.6, 1.4) for _ in counties]
    quotas = _apportion(count, weights)
    scope_codes = tuple(c.code for c in counties)
    prefixes = {c.code[:2] for c in counties}
    known = known_region_codes(RETIRED_CODES)
    retired = tuple(c for c in RETIRED_CODES if c not in known and c not in scope_codes)
    others = sorted(code for code in region_codes(Level.COUNTY) if code[:2] not in prefixes)
    other_codes = tuple(random.Random(f"{seed}:others").sample(others, min(300, len(others))))
    parts: list[Part] = []
    next_id = (Recipient.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    for index, (county, quota) in enumerate(zip(counties, quotas, strict=True)):
        if quota == 0:
            continue
        low, high = subtree_range(county.code)
        staff = _staff_by_station(low, high)
        county_reviewer = _first(staff.get(county.key, {}), Role.REVIEWER, Role.STATION_HEAD)
        if county_reviewer is None:
            raise ValueError(f"{county.full_name}没有审核人，请先建立服务中心和工作人员。")
        towns: list[Town] = []
        villages: list[Village] = []
        town_index: dict[int, int] = {}
        for region_id, key, level, name, full_name, parent_id in local_region_rows(low, high):
            roles = staff.get(key, {})
            if level == Level.TOWNSHIP:
                clerk = _first(roles, Role.CLERK, Role.STATION_HEAD)
                reviewer = _first(roles, Role.REVIEWER, Role.STATION_HEAD, other_than=clerk)
                if clerk and reviewer:
                    town_index[region_id] = len(towns)
                    towns.append(Town(name, clerk, reviewer))
            elif parent_id in town_index:
                clerk = _first(roles, Role.CLERK, Role.STATION_HEAD)
                villages.append(
                    Village(region_id, key, full_name, name, town_index[parent_id], clerk)
                )
        if not villages:
            raise ValueError(f"{county.full_name}没有设有工作人员的乡镇及其村（社区）。")
        n_parts = max(1, math.ceil(quota / part_size))
        sizes = _apportion(quota, [1] * n_parts)
        for number, size in enumerate(sizes):
            parts.append(
                Part(
                    seed=seed,
                    county_index=index,
                    n_counties=len(counties),
                    county_code=county.code,
                    part=number,
                    n_parts=n_parts,
                    count=size,
                    first_id=next_id,
                    villages=tuple(villages),
                    towns=tuple(towns),
                    county_reviewer=county_reviewer,
                    scope_codes=scope_codes,
                    other_codes=other_codes,
                    retired_codes=retired,
                    today=today,
                    for_copy=for_copy,
                )
            )
            next_id += size
    return parts


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Whole numbers proportional to weights that add up to total (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    whole = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - whole[i], reverse=True)
    for i in order[: total - sum(whole)]:
        whole[i] += 1
    return whole
