"""Deterministic recipient files for the demo region, and a province-scale data set.

The demo region (青岛市 市南区、市北区、黄岛区, built by orgs.demo) gets several thousand
realistic files: valid identity numbers (mostly the county's own address code, some of other
counties, other provinces or retired codes that make registration warn), categories with
consistent dates, disabled soldiers with grades and causes, families of martyrs with the
martyr named among the family members, honours, flags, hardship, sections, and files at every
review stage with a review history whose actors are the demo staff of the right stations.

The same generator fills a province (`load_registry_demo --scale province`) with a million
files: the work is cut into parts of a few thousand people, each part generated from its own
seed (so the result does not depend on the number of worker processes), and streamed into
PostgreSQL with COPY in one transaction.

Column values are exactly those the services write: identity and phone numbers through
crypto_fields, pinyin keys through naming.pinyin_keys, sections shaped as the section forms
save them, snapshots (open change requests) as snapshots.take makes them. Rows are inserted
directly (not through the services) for speed, with the historical timestamps of each step.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from django.db import connection, transaction
from django.utils import timezone

from junjia.core import audit
from junjia.core.models import AuditAction
from junjia.orgs.api import (
    Level,
    Role,
    counties_with_villages,
    ensure_scale_staff,
    known_region_codes,
    local_region_rows,
    region_by_code,
    region_codes,
    regions_by_codes,
    station_staff_roles,
    subtree_range,
)

from . import crypto_fields, snapshots
from .choices import (
    Branch,
    Category,
    ChangeStatus,
    DisabilityCause,
    Education,
    FileStatus,
    Hardship,
    MeritKind,
    Placement,
    PoliticalStatus,
    Relationship,
)
from .idnumber import check_character
from .models import (
    CategoryMembership,
    ChangeRequest,
    FamilyMember,
    Honour,
    Recipient,
    ReviewStep,
)
from .naming import pinyin_keys
from .sections import SECTIONS
from .workflow import APPROVE, PASS_UP, RETURN, SUBMIT, WITHDRAW

DEMO_CITY = "370200"
DEMO_COUNTIES = ("370202", "370203", "370211")
DEMO_COUNT = 5000
PART_SIZE = 5000
CREATE = "建档"
WITHDRAW_CHANGE = "撤回变更"

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


# --- name and text pools --------------------------------------------------------------------


@dataclass(frozen=True)
class Pools:
    """Word lists drawn once from a seeded Faker zh_CN, so each row costs a random.choice."""

    surnames: tuple[str, ...]
    surname_cum_weights: tuple[float, ...]  # cumulative: no re-summing on every draw
    male: tuple[str, ...]
    female: tuple[str, ...]
    companies: tuple[str, ...]
    jobs: tuple[str, ...]


_GENERATION_MALE = "志国建文永德明玉宝春海立学振庆长德忠家"
_GENERATION_FEMALE = "秀玉桂淑美春晓丽雅"
# Names parents gave in a given era (建国 in 1949, 援朝 in 1950-53 …), now and then.
_ERA_NAMES = (
    (1949, 1950, ("建国", "国庆", "新华", "解放")),
    (1950, 1954, ("援朝", "抗美", "卫国", "保国")),
    (1958, 1960, ("跃进", "超英")),
    (1964, 1977, ("卫东", "向东", "卫红", "红兵", "永红")),
)


@functools.cache
def pools() -> Pools:
    from faker import Faker
    from faker.providers.person.zh_CN import Provider as Person

    fake = Faker("zh_CN")
    fake.seed_instance(20261001)
    male_single = [n for n in Person.first_names_male if len(n) == 1]
    female_single = [n for n in Person.first_names_female if len(n) == 1]
    male = list(Person.first_names_male) + [g + s for g in _GENERATION_MALE for s in male_single]
    female = list(Person.first_names_female) + [
        g + s for g in _GENERATION_FEMALE for s in female_single
    ]
    companies = sorted({fake.company() for _ in range(800)})
    jobs = sorted({fake.job() for _ in range(400)})
    return Pools(
        surnames=tuple(Person.last_names),
        surname_cum_weights=tuple(accumulate(Person.last_names.values())),
        male=tuple(male),
        female=tuple(female),
        companies=tuple(companies),
        jobs=tuple(j for j in jobs if len(j) <= 20),
    )


@functools.lru_cache(maxsize=300_000)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


_SPECIALITIES = tuple(
    [
        "步兵",
        "驾驶员",
        "炊事员",
        "通信兵",
        "卫生员",
        "装甲车驾驶员",
        "雷达操纵员",
        "炮兵瞄准手",
        "工程兵",
        "汽车修理工",
        "报务员",
        "导弹操作号手",
        "舰艇轮机兵",
        "机务保障",
        "警卫",
        "侦察兵",
        "防化兵",
        "文书",
    ]
)
_SKILLS = tuple(
    [
        "驾驶（B2 证）",
        "电工",
        "厨师",
        "焊工",
        "安保",
        "汽车维修",
        "电脑操作",
        "无人机操作",
        "消防设施操作员",
        "育婴员",
        "中式面点",
        "网络运维",
    ]
)
_TRAINING_WISHES = (
    "电子商务",
    "网络直播营销",
    "新能源汽车维修",
    "健康管理",
    "物业管理",
    "创业培训",
    "学历提升",
    "",
)
_RETURN_REASONS = (
    "入伍时间与退役证不一致，请核对后重新提交。",
    "缺少退役证扫描件，请补齐材料。",
    "家庭成员信息不完整，请补充。",
    "手机号码无法接通，请核实。",
    "伤残等级与伤残证不符，请核对。",
    "户籍所在地与户口本不一致，请核实。",
)
_WITHDRAW_REMARKS = (
    "重复建档，已撤回。",
    "经核实不属于服务对象，撤回。",
    "户籍已迁出本辖区，撤回后由迁入地建档。",
)
_MARTYR_EVENTS = (
    (1979, 1979, "在对越自卫反击战中"),
    (1984, 1989, "在老山、者阴山轮战中"),
    (1998, 1998, "在长江抗洪抢险中"),
    (2008, 2008, "在汶川抗震救灾中"),
    (1990, 2024, "在执行任务中"),
)
_MOBILE_PREFIXES = tuple(
    [
        "134",
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "157",
        "158",
        "159",
        "182",
        "183",
        "187",
        "188",
        "130",
        "131",
        "132",
        "155",
        "156",
        "185",
        "186",
        "133",
        "153",
        "177",
        "180",
        "181",
        "189",
        "199",
        "166",
        "191",
        "195",
    ]
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


# --- small helpers --------------------------------------------------------------------------


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment in office hours on `day`, in local time."""
    minute = rng.randint(8 * 60 + 30, 17 * 60 + 20)
    return dt.datetime.combine(
        day, dt.time(minute // 60, minute % 60, rng.randint(0, 59)), timezone.get_default_timezone()
    )


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _pick(rng: random.Random, weighted: dict):
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _surname(rng: random.Random) -> str:
    p = pools()
    return rng.choices(p.surnames, cum_weights=p.surname_cum_weights)[0]


def _name(rng: random.Random, male: bool, birth_year: int, surname: str | None = None) -> str:
    p = pools()
    surname = surname or _surname(rng)
    for start, end, names in _ERA_NAMES:
        if start <= birth_year <= end and rng.random() < 0.12 and male:
            return surname + rng.choice(names)
    return surname + rng.choice(p.male if male else p.female)


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def _unit(rng: random.Random, branch: str) -> str:
    if branch == Branch.ARMED_POLICE:
        return f"武警{rng.choice(('山东', '河北', '北京', '新疆', '西藏', '福建'))}总队某支队"
    return f"中国人民解放军{rng.randint(31000, 96999)}部队"


def _branch(rng: random.Random, discharge: dt.date) -> str:
    if discharge.year < 1983:
        return _pick(rng, {Branch.ARMY: 80, Branch.NAVY: 8, Branch.AIR_FORCE: 10, "other": 2})
    if discharge.year < 2016:
        return _pick(
            rng,
            {Branch.ARMY: 68, Branch.NAVY: 10, Branch.AIR_FORCE: 10, Branch.ARMED_POLICE: 12},
        )
    if discharge < dt.date(2024, 4, 19):
        return _pick(
            rng,
            {
                Branch.ARMY: 55,
                Branch.NAVY: 10,
                Branch.AIR_FORCE: 10,
                Branch.ROCKET_FORCE: 6,
                Branch.STRATEGIC_SUPPORT: 5,
                Branch.LOGISTIC_SUPPORT: 4,
                Branch.ARMED_POLICE: 10,
            },
        )
    return _pick(
        rng,
        {
            Branch.ARMY: 55,
            Branch.NAVY: 10,
            Branch.AIR_FORCE: 10,
            Branch.ROCKET_FORCE: 6,
            Branch.AEROSPACE: 2,
            Branch.CYBERSPACE: 2,
            Branch.INFORMATION_SUPPORT: 3,
            Branch.LOGISTIC_SUPPORT: 3,
            Branch.ARMED_POLICE: 9,
        },
    )


_NCO_RANKS = (
    (30, "一级军士长"),
    (24, "二级军士长"),
    (20, "三级军士长"),
    (16, "四级军士长"),
    (12, "上士"),
    (8, "中士"),
    (5, "下士"),
    (2, "上等兵"),
    (0, "列兵"),
)


def _soldier_rank(rng: random.Random, years: int, discharge: dt.date) -> str:
    if discharge.year <= 1958:
        return rng.choice(("战士", "战士", "副班长", "班长", "排长"))
    if 1965 <= discharge.year <= 1988:  # no ranks between 1965 and 1988
        return rng.choice(("战士", "战士", "副班长", "班长"))
    return next(rank for least, rank in _NCO_RANKS if years >= least)


def _officer_rank(rng: random.Random, discharge: dt.date) -> str:
    if 1965 <= discharge.year <= 1988:
        return rng.choice(("连职", "营职", "营职", "团职"))
    return rng.choice(("上尉", "少校", "少校", "中校", "中校", "上校"))


def _education(rng: random.Random, year: int, cadre: bool = False) -> str:
    if cadre:
        return _pick(
            rng, {Education.BACHELOR: 60, Education.COLLEGE: 25, Education.POSTGRADUATE: 15}
        )
    if year < 1945:
        weights = {Education.PRIMARY: 60, Education.JUNIOR_HIGH: 30, Education.HIGH_SCHOOL: 10}
    elif year < 1960:
        weights = {
            Education.PRIMARY: 25,
            Education.JUNIOR_HIGH: 45,
            Education.HIGH_SCHOOL: 25,
            Education.SECONDARY_VOCATIONAL: 5,
        }
    elif year < 1975:
        weights = {
            Education.JUNIOR_HIGH: 40,
            Education.HIGH_SCHOOL: 35,
            Education.SECONDARY_VOCATIONAL: 10,
            Education.COLLEGE: 10,
            Education.BACHELOR: 5,
        }
    elif year < 1990:
        weights = {
            Education.JUNIOR_HIGH: 25,
            Education.HIGH_SCHOOL: 30,
            Education.SECONDARY_VOCATIONAL: 10,
            Education.COLLEGE: 20,
            Education.BACHELOR: 15,
        }
    else:
        weights = {
            Education.HIGH_SCHOOL: 25,
            Education.SECONDARY_VOCATIONAL: 10,
            Education.COLLEGE: 35,
            Education.BACHELOR: 27,
            Education.POSTGRADUATE: 3,
        }
    return _pick(rng, weights)


# --- one person ---------------------------------------------------------------------------------

# Profiles: (weight, builder name). Weights follow the rough make-up of a county's register:
# mostly 退役士兵, then families of serving members, cadres, the disabled and the bereaved.
_PROFILES = {
    "recent_soldier": 14,
    "soldier": 40,
    "combat_soldier": 6,
    "nco_retired": 3,
    "cadre": 6,
    "retired_cadre": 1.5,
    "old_demobilised": 3,
    "demobilised_cadre": 0.7,
    "disabled": 5,
    "disabled_militia": 0.5,
    "martyr_family": 4,
    "duty_death_family": 1.5,
    "illness_death_family": 1.5,
    "serving_family": 8,
    "non_military_staff": 1,
    "reform_transfer": 1,
}


@dataclass
class Person:
    """What the generator knows about one person before it becomes rows."""

    male: bool = True
    birth: dt.date = dt.date(1970, 1, 1)
    enlistment: dt.date | None = None
    discharge: dt.date | None = None
    branch: str = ""
    unit: str = ""
    rank: str = ""
    speciality: str = ""
    placement: str = ""
    placement_date: dt.date | None = None
    cadre: bool = False
    combat: bool = False
    pre1949: bool = False
    categories: list[dict] = field(default_factory=list)
    honours: list[dict] = field(default_factory=list)
    family: list[dict] = field(default_factory=list)
    pension_type: str = ""
    pension_note: str = ""
    bereaved_surname: str | None = None  # the dead serviceman's surname, for the family row
    served: bool = True


def _served_dates(rng, enlist_from: dt.date, enlist_to: dt.date, years: int, age: tuple[int, int]):
    enlist = _day(rng, enlist_from, enlist_to)
    # Conscripts leave in September or March; others about their anniversary.
    discharge = _add_years(enlist, years) + dt.timedelta(days=rng.randint(-20, 20))
    birth = _add_years(enlist, -rng.randint(*age)) - dt.timedelta(days=rng.randint(0, 364))
    return enlist, discharge, birth


def _cat(category, start, **extra) -> dict:
    return {
        "category": category,
        "start_date": start,
        "end_date": None,
        "disability_grade": extra.get("grade"),
        "disability_cause": extra.get("cause", ""),
    }


def _disability(rng: random.Random, war: bool, start: dt.date, category=Category.DISABLED_SOLDIER):
    grade = _pick(rng, {1: 1, 2: 1, 3: 1, 4: 2, 5: 5, 6: 10, 7: 15, 8: 20, 9: 22, 10: 23})
    if war:
        cause = DisabilityCause.WAR
    else:
        cause = _pick(rng, {DisabilityCause.DUTY: 60, DisabilityCause.ILLNESS: 40})
    return _cat(category, start, grade=grade, cause=cause)


def _serve(person: Person, rng, enlist, discharge, birth, *, officer=False) -> None:
    person.enlistment, person.discharge, person.birth = enlist, discharge, birth
    person.branch = _branch(rng, discharge)
    person.unit = _unit(rng, person.branch)
    years = max(0, discharge.year - enlist.year)
    person.rank = _officer_rank(rng, discharge) if officer else _soldier_rank(rng, years, discharge)
    person.speciality = rng.choice(_SPECIALITIES)
    person.male = rng.random() > 0.04


def _profile(kind: str, rng: random.Random, today: dt.date) -> Person:
    p = Person()
    if kind in ("recent_soldier", "soldier", "combat_soldier", "disabled"):
        if kind == "recent_soldier":
            years = _pick(rng, {2: 70, 5: 12, 8: 8, 12: 7, 16: 3})
            discharge_year = rng.randint(2020, today.year)
            month = rng.choice((3, 9))
            discharge = dt.date(discharge_year, month, rng.randint(1, 20))
            if discharge > today:
                discharge = dt.date(discharge_year - 1, 9, rng.randint(1, 20))
            enlist = dt.date(discharge.year - years, month, rng.randint(1, 20))
            birth = _add_years(enlist, -rng.randint(18, 22)) - dt.timedelta(
                days=rng.randint(0, 364)
            )
            birth = min(birth, dt.date(2006, 12, 31))
        elif kind == "combat_soldier" or (kind == "disabled" and rng.random() < 0.4):
            enlist, discharge, birth = _served_dates(
                rng, dt.date(1976, 1, 1), dt.date(1986, 12, 31), rng.randint(3, 8), (17, 21)
            )
            p.combat = True
        else:
            years = _pick(rng, {2: 35, 3: 20, 4: 10, 5: 12, 8: 10, 12: 8, 16: 5})
            enlist, discharge, birth = _served_dates(
                rng, dt.date(1972, 1, 1), _add_years(today, -years - 6), years, (17, 22)
            )
        _serve(p, rng, enlist, discharge, birth)
        years = discharge.year - enlist.year
        if discharge.year >= 2011 and years < 12:
            p.placement = Placement.SELF_EMPLOYMENT
        elif years >= 12 or p.combat:
            p.placement = _pick(
                rng, {Placement.ASSIGNED_JOB: 60, Placement.SELF_EMPLOYMENT: 30, "other": 10}
            )
        else:
            p.placement = _pick(rng, {Placement.SELF_EMPLOYMENT: 60, Placement.ASSIGNED_JOB: 40})
        p.categories.append(_cat(Category.RETIRED_SOLDIER, discharge))
        if kind == "disabled":
            start = _day(rng, enlist, discharge)
            p.categories.append(_disability(rng, p.combat, start))
            grade = p.categories[-1]["disability_grade"]
            if grade <= 4 and rng.random() < 0.4:
                p.placement = Placement.SUPPORT
            p.pension_type = "disability"
            p.pension_note = f"伤残抚恤金按月发放（{p.categories[-1]['disability_grade']}级）"
        elif p.combat and rng.random() < 0.15:
            p.categories.append(_disability(rng, True, _day(rng, enlist, discharge)))
            p.pension_type = "disability"
        if p.combat and not p.pension_type:
            p.pension_type = "subsidy"
            p.pension_note = "参战退役人员定期生活补助"
    elif kind == "nco_retired":
        enlist, discharge, birth = _served_dates(
            rng, dt.date(1978, 1, 1), _add_years(today, -31), 30, (17, 20)
        )
        _serve(p, rng, enlist, discharge, birth)
        p.rank = rng.choice(("一级军士长", "二级军士长", "三级军士长"))
        p.placement = Placement.RETIREMENT
        p.categories.append(_cat(Category.RETIRED_NCO, discharge))
    elif kind == "cadre":
        years = rng.randint(16, 28)
        enlist, discharge, birth = _served_dates(
            rng, dt.date(1972, 1, 1), _add_years(today, -years - 1), years, (17, 22)
        )
        _serve(p, rng, enlist, discharge, birth, officer=True)
        p.cadre = True
        if discharge.year >= 2021:
            p.placement = _pick(rng, {Placement.TRANSFER: 60, Placement.MONTHLY_PENSION: 40})
        elif discharge.year >= 1999:
            p.placement = _pick(rng, {Placement.TRANSFER: 60, Placement.SELF_SELECTED: 40})
        else:
            p.placement = Placement.TRANSFER
        p.categories.append(_cat(Category.TRANSFERRED_CADRE, discharge))
    elif kind == "retired_cadre":
        birth = _day(rng, dt.date(1930, 1, 1), dt.date(1960, 12, 31))
        if birth.year <= 1931:
            enlist = _day(
                rng, _add_years(birth, 15), min(_add_years(birth, 18), dt.date(1949, 9, 30))
            )
        else:
            enlist = _day(rng, _add_years(birth, 17), _add_years(birth, 21))
        discharge = _add_years(enlist, rng.randint(30, 40))
        _serve(p, rng, enlist, min(discharge, today - dt.timedelta(days=400)), birth, officer=True)
        p.cadre = True
        p.placement = Placement.RETIREMENT
        p.categories.append(_cat(Category.RETIRED_CADRE, p.discharge))
    elif kind in ("old_demobilised", "demobilised_cadre"):
        birth = _day(rng, dt.date(1930, 1, 1), dt.date(1936, 12, 31))
        enlist = _day(rng, _add_years(birth, 16), _add_years(birth, 19))
        discharge = _day(
            rng, max(_add_years(enlist, 3), dt.date(1953, 1, 1)), dt.date(1958, 12, 31)
        )
        _serve(p, rng, enlist, discharge, birth, officer=kind == "demobilised_cadre")
        p.male = True
        p.placement = Placement.DEMOBILISATION
        category = (
            Category.OLD_DEMOBILISED if kind == "old_demobilised" else Category.DEMOBILISED_CADRE
        )
        p.categories.append(_cat(category, discharge))
        p.pension_type = "subsidy"
        p.pension_note = "在乡复员军人定期定量补助"
        if rng.random() < 0.08:
            p.categories.append(_disability(rng, True, _day(rng, enlist, discharge)))
    elif kind == "disabled_militia":
        p.served = False
        birth = _day(rng, dt.date(1940, 1, 1), dt.date(1975, 12, 31))
        p.birth, p.male = birth, rng.random() > 0.1
        injured = _day(rng, _add_years(birth, 18), min(_add_years(birth, 45), today))
        p.categories.append(
            _disability(rng, injured.year in (1979, 1984, 1985), injured, Category.DISABLED_MILITIA)
        )
        p.pension_type = "disability"
    elif kind in ("martyr_family", "duty_death_family", "illness_death_family"):
        _bereaved(p, kind, rng, today)
    elif kind == "serving_family":
        _serving_family(p, rng, today)
    elif kind == "non_military_staff":
        p.served = False
        p.birth = _day(rng, dt.date(1940, 1, 1), dt.date(1965, 12, 31))
        p.male = rng.random() > 0.4
        p.unit = _unit(rng, Branch.ARMY)
        retired = _add_years(p.birth, 55 if not p.male else 60)
        p.placement = Placement.RETIREMENT
        p.placement_date = min(retired, today)
        p.categories.append(_cat(Category.NON_MILITARY_STAFF, p.placement_date))
    elif kind == "reform_transfer":
        years = rng.randint(8, 20)
        enlist, _, birth = _served_dates(
            rng,
            _add_years(dt.date(2017, 6, 1), -years),
            _add_years(dt.date(2017, 6, 1), -years),
            years,
            (17, 22),
        )
        transfer = _day(rng, dt.date(2017, 1, 1), dt.date(2018, 12, 31))
        _serve(p, rng, enlist, transfer, birth)
        p.male = rng.random() > 0.35
        p.unit = rng.choice(("某文工团", "某医院", "某出版社", "某体工队", "某招待所"))
        p.placement = "other"
        p.categories.append(_cat(Category.REFORM_TRANSFER, transfer))
    # Merits, most often 三等功, rarely 二等功 and above (000 §6.1.3: 立功受奖).
    if p.served and p.enlistment and p.discharge:
        _honours(p, rng)
    if p.pre1949 is False and p.enlistment and p.enlistment < dt.date(1949, 10, 1):
        p.pre1949 = True
    if p.placement and p.discharge and not p.placement_date:
        p.placement_date = min(p.discharge + dt.timedelta(days=rng.randint(30, 200)), today)
    return p


def _honours(p: Person, rng: random.Random) -> None:
    def award(kind, title=""):
        p.honours.append(
            {"kind": kind, "title": title, "awarded_on": _day(rng, p.enlistment, p.discharge)}
        )

    third = 0.15 if p.cadre else 0.06
    if rng.random() < third:
        award(MeritKind.THIRD_CLASS)
        if rng.random() < 0.15:
            award(MeritKind.THIRD_CLASS)
    if rng.random() < (0.02 if p.cadre else 0.006):
        award(MeritKind.SECOND_CLASS)
    if rng.random() < 0.0003:
        award(MeritKind.FIRST_CLASS)
    if p.combat:
        if rng.random() < 0.18:
            award(MeritKind.WARTIME_THIRD)
        if rng.random() < 0.03:
            award(MeritKind.WARTIME_SECOND)
        if rng.random() < 0.002:
            award(MeritKind.WARTIME_FIRST)
        if rng.random() < 0.002:
            award(MeritKind.HONOUR_TITLE, "“战斗英雄”荣誉称号")


def _bereaved(p: Person, kind: str, rng: random.Random, today: dt.date) -> None:
    """A family member of a martyr (烈士), of one who died on duty or of illness."""
    p.served = False
    category = {
        "martyr_family": Category.MARTYR_FAMILY,
        "duty_death_family": Category.DUTY_DEATH_FAMILY,
        "illness_death_family": Category.ILLNESS_DEATH_FAMILY,
    }[kind]
    start_year, end_year, event = rng.choice(_MARTYR_EVENTS)
    if kind != "martyr_family":
        start_year, end_year, event = 1980, min(2025, today.year), ""
    died = _day(rng, dt.date(start_year, 1, 1), dt.date(end_year, 12, 31))
    died = min(died, today - dt.timedelta(days=200))
    dead_birth = _add_years(died, -rng.randint(19, 45 if kind != "martyr_family" else 30))
    surname = _surname(rng)
    dead_name = _name(rng, True, dead_birth.year, surname)
    # Who in the family this file belongs to: a parent, the widow, or a child.
    role = _pick(rng, {"parent": 45, "spouse": 30, "child": 25})
    if role == "parent" and dead_birth.year - 24 < 1930:
        role = "child"
    if role == "parent":
        p.birth = _day(rng, _add_years(dead_birth, -34), _add_years(dead_birth, -22))
        p.male = rng.random() < 0.45
        relation = Relationship.SON
    elif role == "spouse":
        p.birth = _day(rng, _add_years(dead_birth, -3), _add_years(dead_birth, 5))
        p.male = rng.random() < 0.05
        relation = Relationship.SPOUSE
    else:
        earliest = max(_add_years(dead_birth, 21), dt.date(1950, 1, 1))
        p.birth = _day(rng, earliest, min(died, dt.date(2006, 12, 31)))
        p.male = rng.random() < 0.5
        relation = Relationship.FATHER
    what = {
        "martyr_family": f"烈士，{died.year}年{event}牺牲，已评定为烈士",
        "duty_death_family": f"因公牺牲军人，{died.year}年在执行任务中因公牺牲",
        "illness_death_family": f"病故军人，{died.year}年在服役期间病故",
    }[kind]
    p.family.append(
        {"name": dead_name, "relationship": relation, "birth_year": dead_birth.year, "note": what}
    )
    p.bereaved_surname = surname
    p.categories.append(_cat(category, died + dt.timedelta(days=rng.randint(30, 180))))
    p.pension_type = "regular"
    p.pension_note = f"{Category(category).label}定期抚恤金"


def _serving_family(p: Person, rng: random.Random, today: dt.date) -> None:
    """A parent or the spouse of someone now serving (现役军人家属)."""
    p.served = False
    enlisted = _day(rng, _add_years(today, -8), today - dt.timedelta(days=60))
    member_birth = _add_years(enlisted, -rng.randint(18, 24))
    if rng.random() < 0.75:
        p.birth = _day(rng, _add_years(member_birth, -35), _add_years(member_birth, -22))
        p.male = rng.random() < 0.5
        relation = Relationship.SON if rng.random() < 0.9 else Relationship.DAUGHTER
    else:
        p.birth = _day(rng, _add_years(member_birth, -2), _add_years(member_birth, 4))
        p.birth = min(p.birth, dt.date(2006, 12, 31))
        p.male = rng.random() < 0.08
        relation = Relationship.SPOUSE
    p.family.append(
        {
            "name": "",  # filled with the family's surname later
            "relationship": relation,
            "birth_year": member_birth.year,
            "note": f"现役，{enlisted.year}年入伍，服役于{_unit(rng, Branch.ARMY)}",
        }
    )
    p.categories.append(_cat(Category.SERVING_FAMILY, enlisted))


# --- review history --------------------------------------------------------------------------

_STAGES = {
    "approved": 84,
    "draft": 3,
    "submitted_township": 2,
    "submitted_county": 3,
    "returned": 2.5,
    "withdrawn": 1.5,
    "approved_change": 4,
}
# The first people of every part walk through every stage, so even a small load shows each.
_FORCED = (
    "draft",
    "submitted_township",
    "submitted_county",
    "returned",
    "withdrawn",
    "approved_change",
    "approved_change",
    "approved_change",
)


class _Clock:
    """Step times: each step a little after the one before, never after now."""

    def __init__(self, rng: random.Random, start: dt.date, today: dt.date):
        self.rng, self.day, self.today = rng, start, today
        self.last = _at(rng, start)

    def step(self, min_days=0, max_days=5) -> dt.datetime:
        day = min(self.day + dt.timedelta(days=self.rng.randint(min_days, max_days)), self.today)
        self.day = day
        moment = _at(self.rng, day)
        if moment <= self.last:
            moment = self.last + dt.timedelta(minutes=self.rng.randint(3, 90))
        self.last = moment
        return moment


def _step(
    recipient_id, action, from_status, to_status, level, actor: Actor, at, remark="", change_id=None
):
    return {
        "recipient_id": recipient_id,
        "change_id": change_id,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "level": level,
        "actor_id": actor.user_id,
        "station_name": actor.station_name,
        "at": at,
        "remark": remark,
    }


def _review_chain(rid, clock, creator, town, county, steps, *, change_id=None, stop_at=None):
    """Submit and review upward (village → township → county, or township → county);
    returns (status, review_level) where the chain stopped. stop_at: None (approved at the
    top), "township" or "county" (waiting there), "return" (returned by a reviewer)."""
    submitted, returned = FileStatus.SUBMITTED, FileStatus.RETURNED

    def add(action, from_status, to_status, level, actor, at, remark=""):
        steps.append(
            _step(rid, action, from_status, to_status, level, actor, at, remark, change_id)
        )

    level = Level.COUNTY if creator == town.clerk else Level.TOWNSHIP
    add(SUBMIT.action, FileStatus.DRAFT, submitted, level, creator, clock.step(0, 3))
    if level == Level.TOWNSHIP:
        if stop_at == "township":
            return submitted, Level.TOWNSHIP
        if stop_at == "return" and clock.rng.random() < 0.5:
            reason = clock.rng.choice(_RETURN_REASONS)
            add(RETURN.action, submitted, returned, None, town.reviewer, clock.step(1, 6), reason)
            return returned, None
        add(PASS_UP.action, submitted, submitted, Level.COUNTY, town.reviewer, clock.step(1, 6))
    if stop_at in ("county", "township"):
        return submitted, Level.COUNTY
    if stop_at == "return":
        reason = clock.rng.choice(_RETURN_REASONS)
        add(RETURN.action, submitted, returned, None, county, clock.step(1, 8), reason)
        return returned, None
    add(APPROVE.action, submitted, FileStatus.APPROVED, None, county, clock.step(1, 8))
    return FileStatus.APPROVED, None


# --- sections and snapshots ------------------------------------------------------------------

_SECTION_JSON_FIELDS = {
    s.key: tuple(name for name in s.form.base_fields if name not in s.columns) for s in SECTIONS
}


def _empty_value(section_key: str, name: str):
    from django import forms

    form_field = next(s for s in SECTIONS if s.key == section_key).form.base_fields[name]
    if isinstance(form_field, forms.BooleanField):
        return False
    if isinstance(form_field, forms.DateField):
        return None
    return ""


@functools.cache
def _empty_sections() -> dict:
    """Sections as the forms save them when nothing is filled in."""
    return {
        key: {name: _empty_value(key, name) for name in names}
        for key, names in _SECTION_JSON_FIELDS.items()
    }


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _snapshot(row: dict, categories: list[dict], honours: list[dict], family: list[dict]) -> dict:
    """snapshots.take for a file that exists only as rows (the same keys and order)."""
    sections = {}
    for section in SECTIONS:
        values = {}
        stored = row["sections"].get(section.key, {})
        for name in section.form.base_fields:
            if name == "phone":
                values["phone"] = {"enc": row["phone_enc"], "masked": row["phone_masked"]}
            elif name in section.columns:
                values[name] = _iso(row[name])
            else:
                values[name] = stored.get(name)
        sections[section.key] = values
    ordered = sorted(
        enumerate(categories), key=lambda p: (p[1]["category"], p[1]["start_date"], p[0])
    )
    honours_ordered = sorted(enumerate(honours), key=lambda p: (p[1]["awarded_on"], p[0]))
    return {
        "sections": sections,
        "categories": [{f: _iso(c[f]) for f in snapshots.CATEGORY_FIELDS} for _, c in ordered],
        "honours": [{f: _iso(h[f]) for f in snapshots.HONOUR_FIELDS} for _, h in honours_ordered],
        "family": [{f: _iso(m[f]) for f in snapshots.FAMILY_FIELDS} for m in family],
        "plan": row["plan"],
    }


# --- a part: people, rows --------------------------------------------------------------------


@dataclass
class Rows:
    recipients: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    honours: list[dict] = field(default_factory=list)
    family: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    unknown_codes: int = 0


def _id_number(rng, part: Part, person: Person, used: set) -> tuple[str, bool]:
    """An identity number unique across the whole load, by construction:
    - the county's own code uses sequence numbers 0–449, split between the county's parts,
      and each part remembers what it drew;
    - other codes (moves from elsewhere, retired codes) use 450–499, split between parts, and
      their birth dates fall on days d with d ≡ county index (mod number of counties), so two
      counties never draw the same number. Returns (number, code is not a current one)."""
    roll = rng.random()
    own = part.county_code
    old = person.birth.year < 1990
    if roll < 0.015 and part.retired_codes and old:
        code = rng.choice(part.retired_codes)
    elif roll < 0.045 and part.other_codes:
        code = rng.choice(part.other_codes)
    elif roll < 0.12 and len(part.scope_codes) > 1:
        code = rng.choice(part.scope_codes)
    else:
        code = own
    birth = person.birth
    if code != own:
        shift = (birth.toordinal() - part.county_index) % part.n_counties
        birth = birth - dt.timedelta(days=shift)
        person.birth = birth
        low, span = 450, 50
    else:
        low, span = 0, 450
    width = max(1, span // part.n_parts)
    low += width * (part.part % max(1, span // width))
    parity = 1 if person.male else 0
    for _ in range(200):
        seq = low + rng.randrange(width)
        key = (code, birth, seq, parity)
        if key not in used:
            used.add(key)
            break
    else:  # pragma: no cover - the ranges are far larger than any part
        raise RuntimeError("identity number space exhausted")
    first17 = f"{code}{birth:%Y%m%d}{seq * 2 + parity:03d}"
    return first17 + check_character(first17), code in part.retired_codes


def generate_part(part: Part) -> Rows:
    """All rows of one part; deterministic in (seed, county, part)."""
    rng = random.Random(f"{part.seed}:{part.county_code}:{part.part}")
    village_rng = random.Random(f"{part.seed}:{part.county_code}:villages")
    # Cumulative once per part (choices() would re-sum them on every draw; same draws).
    village_weights = list(accumulate(village_rng.uniform(0.3, 1.7) for _ in part.villages))
    village_indexes = range(len(part.villages))
    staffed = [i for i, v in enumerate(part.villages) if v.clerk is not None]
    today = part.today
    now_dt = _at(rng, today)
    used: set = set()
    out = Rows()
    profiles, profile_weights = list(_PROFILES), list(accumulate(_PROFILES.values()))
    stages, stage_weights = list(_STAGES), list(accumulate(_STAGES.values()))
    for n in range(part.count):
        rid = part.first_id + n
        if n < len(_FORCED):
            stage = _FORCED[n]
        else:
            stage = rng.choices(stages, cum_weights=stage_weights)[0]
        if stage == "submitted_township" and staffed:
            village = part.villages[rng.choice(staffed)]
        else:
            village = part.villages[rng.choices(village_indexes, cum_weights=village_weights)[0]]
        town = part.towns[village.town]
        if stage == "submitted_township" and village.clerk is None:
            stage = "submitted_county"
        creator = village.clerk or town.clerk
        person = _profile(rng.choices(profiles, cum_weights=profile_weights)[0], rng, today)
        number, unknown = _id_number(rng, part, person, used)
        out.unknown_codes += unknown
        birth = person.birth
        age = _age(birth, today)
        surname = _surname(rng)
        if person.bereaved_surname:
            # A child, or the father, of the dead serviceman shares his surname; mothers and
            # widows keep their own.
            relation = person.family[0]["relationship"]
            if relation == Relationship.FATHER or (relation == Relationship.SON and person.male):
                surname = person.bereaved_surname
        name = _name(rng, person.male, birth.year, surname)
        for member in person.family:
            if not member["name"]:  # the serving member of a 现役军人家属 file
                relation = member["relationship"]
                male = relation == Relationship.SON or (
                    relation == Relationship.SPOUSE and not person.male
                )
                shared = surname if person.male and relation != Relationship.SPOUSE else None
                member["name"] = _name(rng, male, member["birth_year"], shared)
        if person.served and rng.random() < 0.35 and age >= 26:
            _add_household(person, rng, surname, today)
        # Flags used by later rules (visits, assistance).
        combat = person.combat or (person.served and rng.random() < 0.01)
        if combat and not person.combat and person.unit:
            person.unit = "中国人民解放军第二十一试验训练基地"  # 参试
        empty_nest = age >= 60 and rng.random() < (0.35 if age >= 80 else 0.25)
        migrant = 25 <= age < 60 and rng.random() < 0.12
        hardship = ""
        roll = rng.random()
        frailty = 2 if (age >= 75 or any(c["disability_grade"] for c in person.categories)) else 1
        if roll < 0.03 * frailty:
            hardship = Hardship.MINIMUM_LIVING
        elif roll < 0.036 * frailty and age >= 60:
            hardship = Hardship.EXTREME_POVERTY
        elif roll < 0.046 * frailty:
            hardship = Hardship.NEAR_MINIMUM
        phone = _mobile(rng) if (age < 80 or rng.random() < 0.6) else ""
        political = _political(rng, person, age)
        party_join = None
        if political == PoliticalStatus.PARTY_MEMBER:
            if person.enlistment and person.discharge:
                party_join = _day(rng, person.enlistment + dt.timedelta(days=365), person.discharge)
            else:
                party_join = _day(rng, _add_years(birth, 20), min(_add_years(birth, 50), today))
        sections = _sections(
            rng, person, age, village, party_join, hardship, today, number, n, stage == "draft"
        )
        pinyin_full, pinyin_initials = _pinyin(name)
        row = {
            "id": rid,
            "household_region_id": village.region_id,
            "region_key": village.key,
            "name": name,
            "name_pinyin": pinyin_full,
            "name_initials": pinyin_initials,
            "former_names": (
                _name(rng, person.male, birth.year, surname) if rng.random() < 0.02 else ""
            ),
            "gender": "M" if person.male else "F",
            "birth_date": birth,
            "ethnicity": _pick(rng, {"汉族": 985, "回族": 8, "满族": 5, "朝鲜族": 2}),
            "current_address": _address(rng, village),
            "political_status": political,
            "education": _education(rng, birth.year, person.cadre),
            "photo": "",
            "enlistment_date": person.enlistment,
            "discharge_date": person.discharge,
            "branch": person.branch,
            "placement": person.placement,
            "hardship": hardship,
            "combat_veteran": combat,
            "pre1949_veteran": person.pre1949,
            "empty_nest": empty_nest,
            "migrant_family": migrant,
            "death_date": None,
            "sections": sections,
            "plan": _plan(rng, age, hardship, empty_nest, sections),
            "responsible_clerk_id": creator.user_id,
            "created_by_id": creator.user_id,
            **crypto_fields.id_fields(number),
            **crypto_fields.phone_fields(phone),
        }
        _history(rng, part, out, row, stage, person, creator, town, today, now_dt)
        out.recipients.append(row)
        for c in person.categories:
            out.categories.append({**c, "recipient_id": rid, "region_key": village.key})
        for h in person.honours:
            out.honours.append({**h, "recipient_id": rid})
        for m in person.family:
            out.family.append({**m, "recipient_id": rid})
    return out


def _add_household(person: Person, rng, surname: str, today: dt.date) -> None:
    """Spouse and children for a veteran's file (000 §6.1.3: 家庭成员)."""
    spouse_birth = _add_years(person.birth, rng.randint(-2, 5))
    person.family.append(
        {
            "name": _name(rng, not person.male, spouse_birth.year),
            "relationship": Relationship.SPOUSE,
            "birth_year": spouse_birth.year,
            "note": "",
        }
    )
    for _ in range(rng.choice((0, 1, 1, 1, 2, 2))):
        child_year = person.birth.year + rng.randint(23, 36)
        if child_year > today.year:
            continue
        son = rng.random() < 0.52
        person.family.append(
            {
                "name": _name(rng, son, child_year, surname if person.male else None),
                "relationship": Relationship.SON if son else Relationship.DAUGHTER,
                "birth_year": child_year,
                "note": "现役" if child_year >= today.year - 24 and rng.random() < 0.05 else "",
            }
        )


def _political(rng, person: Person, age: int) -> str:
    if person.cadre:
        return _pick(rng, {PoliticalStatus.PARTY_MEMBER: 95, PoliticalStatus.MASSES: 5})
    if person.served:
        weights = {
            PoliticalStatus.PARTY_MEMBER: 38,
            PoliticalStatus.PROBATIONARY: 1,
            PoliticalStatus.DEMOCRATIC_PARTY: 0.3,
            PoliticalStatus.MASSES: 40,
        }
        if age < 28:
            weights[PoliticalStatus.LEAGUE_MEMBER] = 30
        return _pick(rng, weights)
    return _pick(
        rng,
        {
            PoliticalStatus.PARTY_MEMBER: 15,
            PoliticalStatus.MASSES: 80,
            PoliticalStatus.LEAGUE_MEMBER: 5 if age < 28 else 0.01,
        },
    )


def _address(rng, village: Village) -> str:
    if village.name.endswith("社区"):
        return (
            f"{village.full_name}{rng.randint(1, 60)}号楼{rng.randint(1, 6)}单元"
            f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        )
    return f"{village.full_name}{rng.randint(1, 300)}号"


def _sections(rng, person: Person, age, village, party_join, hardship, today, number, n, draft):
    data = {key: dict(values) for key, values in _empty_sections().items()}
    if party_join:
        data["party"]["party_join_date"] = party_join.isoformat()
        data["party"]["party_organisation"] = f"{village.name}党支部"
    if rng.random() < 0.08:
        data["party"]["social_activities"] = rng.choice(
            ("退役军人志愿服务队队员", "担任村（社区）“两委”成员", "兵支书", "义务国防教育宣讲员")
        )
    data["service"].update(unit=person.unit, rank=person.rank, speciality=person.speciality)
    if person.placement_date:
        data["placement"]["placement_date"] = person.placement_date.isoformat()
        if person.placement in (Placement.ASSIGNED_JOB, Placement.TRANSFER):
            data["placement"]["placement_unit"] = rng.choice(pools().companies)
    if draft:  # a draft in progress: the later sections are still empty
        return data
    employment = data["employment"]
    if age >= 60:
        employment["employment_status"] = "retired"
    elif age >= 18:
        recent = person.discharge is not None and (today - person.discharge).days < 730
        status = _pick(
            rng,
            {
                "employed": 55,
                "self_employed": 12,
                "flexible": 15,
                "unemployed": 25 if recent else 8,
            },
        )
        employment["employment_status"] = status
        if status in ("employed", "self_employed"):
            employment["employer"] = rng.choice(pools().companies)
            employment["post"] = rng.choice(pools().jobs)
        employment["wants_job_help"] = status == "unemployed" or rng.random() < 0.05
        employment["wants_startup_help"] = rng.random() < 0.05
    if person.served and age < 60:
        data["training"]["skills"] = "、".join(rng.sample(_SKILLS, rng.randint(0, 2)))
        if person.discharge and person.discharge.year >= 2019:
            data["training"]["trainings"] = f"{person.discharge.year}年退役军人适应性培训"
        data["training"]["training_wishes"] = rng.choice(_TRAINING_WISHES)
    pension = data["pension"]
    if rng.random() < 0.85:
        issued = _day(rng, dt.date(2022, 8, 1), min(dt.date(2025, 12, 31), today))
        pension["preferential_card_no"] = f"{number[:6]}{issued.year}{n % 1_000_000:06d}"
        pension["preferential_card_issued_on"] = issued.isoformat()
    pension["pension_type"] = person.pension_type
    pension["honour_plaque"] = rng.random() < 0.8
    pension["pension_note"] = person.pension_note
    if hardship:
        data["hardship"]["hardship_since"] = _day(rng, _add_years(today, -6), today).isoformat()
        data["hardship"]["hardship_note"] = rng.choice(
            (
                "因病致困，家庭收入低",
                "年老体弱，无固定收入",
                "伤残影响就业，家庭负担重",
                "子女就学负担重",
            )
        )
    return data


def _plan(rng, age, hardship, empty_nest, sections) -> str:
    """一人一策: a short plan for the people later rules look after most."""
    parts = []
    if hardship:
        parts.append("每季度走访一次，协助申请临时救助和医疗救助")
    if empty_nest:
        parts.append("每月电话问候，重大节日上门走访")
    if sections["employment"].get("employment_status") == "unemployed":
        parts.append("推荐参加适应性培训和退役军人专场招聘会")
    return "；".join(parts) + ("。" if parts else "")


def _history(
    rng, part: Part, out: Rows, row: dict, stage: str, person: Person, creator, town, today, now_dt
):
    """Status columns, timestamps and review steps consistent with the file's stage."""
    county = part.county_reviewer
    rid = row["id"]
    if stage in ("approved", "approved_change"):
        created = _day(rng, _add_years(today, -4), today - dt.timedelta(days=45))
    elif stage == "withdrawn":
        created = _day(rng, _add_years(today, -3), today - dt.timedelta(days=20))
    else:
        created = _day(rng, today - dt.timedelta(days=50), today - dt.timedelta(days=12))
    clock = _Clock(rng, created, today)
    created_at = clock.last
    steps: list[dict] = [_step(rid, CREATE, "", FileStatus.DRAFT, None, creator, created_at)]
    status, level = FileStatus.DRAFT, None
    if stage in ("approved", "approved_change"):
        if rng.random() < 0.08:  # returned once on the way, then fixed and resubmitted
            _review_chain(rid, clock, creator, town, county, steps, stop_at="return")
            clock.step(1, 10)
            first = len(steps)
            _review_chain(rid, clock, creator, town, county, steps)
            steps[first]["from_status"] = FileStatus.RETURNED
        else:
            _review_chain(rid, clock, creator, town, county, steps)
        status = FileStatus.APPROVED
    elif stage == "submitted_township":
        status, level = _review_chain(rid, clock, creator, town, county, steps, stop_at="township")
    elif stage == "submitted_county":
        status, level = _review_chain(rid, clock, creator, town, county, steps, stop_at="county")
    elif stage == "returned":
        status, level = _review_chain(rid, clock, creator, town, county, steps, stop_at="return")
    elif stage == "withdrawn":
        if rng.random() < 0.5:
            status, _ = _review_chain(rid, clock, creator, town, county, steps, stop_at="return")
        steps.append(
            _step(
                rid,
                WITHDRAW.action,
                status,
                FileStatus.WITHDRAWN,
                None,
                creator,
                clock.step(0, 5),
                rng.choice(_WITHDRAW_REMARKS),
            )
        )
        status = FileStatus.WITHDRAWN
    row["status"], row["review_level"] = status, level
    row["created_at"] = created_at
    row["approved_at"] = row["last_verified_at"] = None
    updated = steps[-1]["at"]
    if status == FileStatus.APPROVED:
        approved = steps[-1]["at"]
        row["approved_at"] = row["last_verified_at"] = approved
        if (now_dt - approved).days > 365 and rng.random() < 0.65:
            # Re-verified within the last year (定期更新); the rest are due again.
            row["last_verified_at"] = _at(
                rng, _day(rng, today - dt.timedelta(days=330), today - dt.timedelta(days=1))
            )
            updated = row["last_verified_at"]
        death_chance = (
            0.35
            if _age(person.birth, today) >= 90
            else 0.12
            if _age(person.birth, today) >= 80
            else 0.004
        )
        if stage == "approved" and rng.random() < death_chance:
            row["death_date"] = _day(rng, approved.date(), today)
            updated = max(updated, _at(rng, row["death_date"]))
    row["updated_at"] = max(updated, created_at)
    if stage == "approved_change":
        # Opening a change request leaves the approved file itself untouched.
        _open_change(rng, out, row, person, creator, town, county, clock, steps)
    out.steps.extend(steps)


def _open_change(rng, out: Rows, row, person: Person, creator, town, county, clock, steps):
    """An approved file with an open change request (draft, under review or returned); the
    approved data stays in force until the change is approved (000 §6.1.4)."""
    categories = [{**c} for c in person.categories]
    honours = [{**h} for h in person.honours]
    base = _snapshot(row, categories, honours, person.family)
    proposed = json.loads(json.dumps(base))
    reason = _pick(rng, {"phone": 35, "address": 30, "employment": 20, "hardship": 15})
    if reason == "phone":
        new = crypto_fields.phone_fields(_mobile(rng))
        proposed["sections"]["basic"]["phone"] = {
            "enc": new["phone_enc"],
            "masked": new["phone_masked"],
            "index": new["phone_index"],
        }
        text = "手机号码变更"
    elif reason == "address":
        proposed["sections"]["basic"]["current_address"] = (
            row["current_address"].split("号")[0] + f"{rng.randint(301, 399)}号"
        )
        text = "现居住地址变更"
    elif reason == "employment":
        proposed["sections"]["employment"].update(
            employment_status="employed",
            employer=rng.choice(pools().companies),
            post=rng.choice(pools().jobs),
            wants_job_help=False,
        )
        text = "就业状况变化"
    else:
        proposed["sections"]["hardship"].update(
            hardship=Hardship.MINIMUM_LIVING,
            hardship_since=clock.today.isoformat(),
            hardship_note="因病致困，家庭收入低",
        )
        text = "困难状况变化"
    # The change opens after the approval (and after any re-verification).
    clock.day = max(clock.day, row["last_verified_at"].date())
    opened = clock.step(3, 30)
    status = _pick(
        rng, {ChangeStatus.SUBMITTED: 50, ChangeStatus.DRAFT: 25, ChangeStatus.RETURNED: 25}
    )
    level = None
    if status != ChangeStatus.DRAFT:
        stop = "return" if status == ChangeStatus.RETURNED else rng.choice(("township", "county"))
        status, level = _review_chain(
            row["id"], clock, creator, town, county, steps, change_id=row["id"], stop_at=stop
        )
    change_updated = steps[-1]["at"] if status != ChangeStatus.DRAFT else opened
    out.changes.append(
        {
            "id": row["id"],  # one open change per file: the file's id is free to reuse
            "recipient_id": row["id"],
            "region_key": row["region_key"],
            "status": status,
            "review_level": level,
            "base": base,
            "proposed": proposed,
            "reason": text,
            "created_by_id": creator.user_id,
            "created_at": opened,
            "updated_at": change_updated,
        }
    )


# --- writing -------------------------------------------------------------------------------

TABLES: tuple[tuple[str, type], ...] = (
    ("recipients", Recipient),
    ("categories", CategoryMembership),
    ("honours", Honour),
    ("family", FamilyMember),
    ("changes", ChangeRequest),
    ("steps", ReviewStep),
)


@functools.cache
def _columns(model) -> tuple[list, list[str]]:
    """The concrete fields written (explicit ids only for recipients and change requests)."""
    explicit_id = model in (Recipient, ChangeRequest)
    fields = [f for f in model._meta.concrete_fields if explicit_id or not f.primary_key]
    return fields, [f.attname for f in fields]


def _value(f, row: dict):
    if f.attname in row:
        return row[f.attname]
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return timezone.now()
    return f.get_default()


def as_tuples(model, rows: list[dict], for_copy: bool) -> list[tuple]:
    """Rows in column order; JSON as text for COPY."""
    fields, _ = _columns(model)
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    out = []
    for row in rows:
        values = []
        for f in fields:
            v = _value(f, row)
            if isinstance(v, enum.Enum):
                v = v.value
            if for_copy and f.attname in json_fields:
                v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            values.append(v)
        out.append(tuple(values))
    return out


def part_tuples(part: Part) -> tuple[dict[str, list[tuple]], int, int]:
    """Worker entry point: a part as ready-to-write tuples, plus (people, unknown codes)."""
    rows = generate_part(part)
    tables = {name: as_tuples(model, getattr(rows, name), part.for_copy) for name, model in TABLES}
    return tables, len(rows.recipients), rows.unknown_codes


def write_tuples(model, tuples: list[tuple]) -> None:
    """COPY on PostgreSQL; batched INSERTs elsewhere (values adapted by the fields)."""
    if not tuples:
        return
    fields, _ = _columns(model)
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
        )
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in tuples:
                copy.write_row(row)
        return
    qn = connection.ops.quote_name
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        qn(table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    prepared = [
        [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
        for row in tuples
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 500):
            cursor.executemany(statement, prepared[start : start + 500])


def _reset_sequences() -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), [Recipient, ChangeRequest])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


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


# --- loading -------------------------------------------------------------------------------


@dataclass
class LoadResult:
    people: int = 0
    unknown_codes: int = 0
    seconds: float = 0.0
    by_status: dict = field(default_factory=dict)
    rows: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.people / self.seconds if self.seconds else 0.0


def _pooled(pool, parts: list[Part], workers: int) -> Iterable[tuple]:
    """Parts as tuples, in order, with at most 2 × workers parts in flight, so memory stays
    constant however large the load."""
    pending: deque = deque()
    queue = iter(parts)
    for part in queue:
        pending.append(pool.apply_async(part_tuples, (part,)))
        if len(pending) >= 2 * workers:
            break
    while pending:
        yield pending.popleft().get()
        nxt = next(queue, None)
        if nxt is not None:
            pending.append(pool.apply_async(part_tuples, (nxt,)))


def load(
    parts: list[Part],
    *,
    workers: int = 1,
    progress: Callable[[int, int, float], None] | None = None,
) -> LoadResult:
    """Write every part in one transaction; returns what was written. With workers > 1 the
    rows are generated (pinyin, encryption, blind indexes) in forked processes."""
    pools()  # build once, before any fork
    if workers <= 1 or len(parts) <= 1 or connection.in_atomic_block:
        # Forking needs the connection closed, which an enclosing transaction forbids.
        return _write(parts, (part_tuples(part) for part in parts), progress)
    import multiprocessing

    from django.db import connections

    connections.close_all()  # never share a database socket with forked children
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return _write(parts, _pooled(pool, parts, workers), progress)


def _write(parts: list[Part], stream: Iterable[tuple], progress) -> LoadResult:
    result = LoadResult()
    total = sum(p.count for p in parts)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Check foreign keys per COPY statement, not in one queue at commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for tables, people, unknown in stream:
            for name, model in TABLES:
                write_tuples(model, tables[name])
                result.rows[name] += len(tables[name])
            result.people += people
            result.unknown_codes += unknown
            if progress:
                progress(result.people, total, time.perf_counter() - started)
        _reset_sequences()
    result.seconds = time.perf_counter() - started
    return result


def _summarise(result: LoadResult, region, label: str, seed: int) -> None:
    from django.db.models import Count

    low, high = region.key, region.key_high
    result.by_status = dict(
        Recipient.objects.filter(region_key__gte=low, region_key__lte=high)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    audit.record(
        actor=None,
        action=AuditAction.IMPORT,
        object_type="registry.demo",
        object_repr=label,
        region_key=region.key,
        extra={
            "recipients": result.people,
            "rows": dict(result.rows),
            "by_status": result.by_status,
            "unknown_address_codes": result.unknown_codes,
            "seed": seed,
            "seconds": round(result.seconds, 1),
        },
    )


def refresh_counts() -> int:
    from .tasks import refresh_category_counts

    return refresh_category_counts.call()


def recipients_exist() -> bool:
    return Recipient.objects.exists()


def load_demo(
    *, count: int = DEMO_COUNT, seed: int = 7, today: dt.date | None = None
) -> LoadResult:
    """Fill the demo region (orgs.demo) with `count` files."""
    counties = regions_by_codes(DEMO_COUNTIES)
    if len(counties) != len(DEMO_COUNTIES):
        raise ValueError("演示区划不存在，请先运行 manage.py load_demo。")
    parts = build_parts(
        counties,
        count=count,
        seed=seed,
        today=today or timezone.localdate(),
        part_size=PART_SIZE,
        for_copy=connection.vendor == "postgresql",
    )
    result = load(parts)
    with transaction.atomic():
        _summarise(result, region_by_code(DEMO_CITY), "服务对象演示数据", seed)
    refresh_counts()
    return result


# --- province scale --------------------------------------------------------------------------


def _staff_name(rng: random.Random) -> str:
    """A name for a scale account (orgs.demo.ensure_scale_staff): seven in ten men's names."""
    return _name(rng, rng.random() > 0.3, 1980)


def load_scale(
    *,
    province_code: str = "370000",
    count: int = 1_000_000,
    seed: int = 7,
    workers: int = 1,
    part_size: int = PART_SIZE,
    today: dt.date | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> LoadResult:
    """Spread `count` files over the villages of a province (after load_demo --scale
    province)."""
    province = region_by_code(province_code)
    if province is None or province.level != Level.PROVINCE:
        raise ValueError(f"没有代码为 {province_code} 的省级区划。")
    ensure_scale_staff(province, full_name=_staff_name)
    counties = counties_with_villages(province.key, province.key_high)
    if not counties:
        raise ValueError(f"{province.name}下没有村（社区），请先运行 load_demo --scale province。")
    parts = build_parts(
        counties,
        count=count,
        seed=seed,
        today=today or timezone.localdate(),
        part_size=part_size,
        for_copy=connection.vendor == "postgresql",
    )
    result = load(parts, workers=workers, progress=progress)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for _, model in TABLES:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    with transaction.atomic():
        _summarise(result, province, f"服务对象规模数据（{province.name}）", seed)
    return result
