"""A demo file's review history: creation, review up the levels, returns, withdrawals, changes."""

from __future__ import annotations

import datetime as dt
import json
import random

from junjia.orgs.api import (
    Level,
)

from .. import snapshots
from ..choices import (
    ChangeStatus,
    FileStatus,
    Hardship,
)
from ..models import RECIPIENT_PHONE
from ..sections import SECTIONS
from ..workflow import APPROVE, PASS_UP, RETURN, SUBMIT, WITHDRAW
from .people import (
    Person,
    _add_years,
    _age,
    _at,
    _day,
    _mobile,
    _pick,
    pools,
)
from .plan import (
    Actor,
    Part,
    Rows,
)

CREATE = "建档"
WITHDRAW_CHANGE = "撤回变更"


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
        new = RECIPIENT_PHONE.seal(_mobile(rng))
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
