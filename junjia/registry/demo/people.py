"""One demo person: names from seeded pools, and a life (service, categories, honours, family)."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field
from itertools import accumulate

from django.utils import timezone

from ..choices import (
    Branch,
    Category,
    DisabilityCause,
    Education,
    MeritKind,
    Placement,
    PoliticalStatus,
    Relationship,
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
