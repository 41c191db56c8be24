"""A part's rows: each person as a recipient file (number, sections, plan), lists and history."""

from __future__ import annotations

import datetime as dt
import functools
import random
from itertools import accumulate

from junjia.core.personal import check_character

from ..choices import (
    Hardship,
    Placement,
    PoliticalStatus,
    Relationship,
)
from ..models import RECIPIENT_ID, RECIPIENT_PHONE
from ..naming import pinyin_keys
from ..sections import SECTIONS
from .history import (
    _FORCED,
    _STAGES,
    _history,
)
from .people import (
    _PROFILES,
    Person,
    _add_household,
    _add_years,
    _age,
    _at,
    _day,
    _education,
    _mobile,
    _name,
    _pick,
    _political,
    _profile,
    _surname,
    pools,
)
from .plan import (
    Part,
    Rows,
    Village,
)


@functools.lru_cache(maxsize=300_000)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


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


# --- a part: people, rows --------------------------------------------------------------------


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
            **RECIPIENT_ID.seal(number),
            **RECIPIENT_PHONE.seal(phone),
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
