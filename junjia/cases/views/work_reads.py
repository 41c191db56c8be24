"""Reads behind the case pages that the cases selectors do not cover: the audited opening of
a case, deadlines in working days, who stands in for whom, the content of the one-time notice
and the contact card, case look-up, pending extensions and proxy cases for the head."""

import datetime as dt
import re

from django.db.models import Count, Q, QuerySet

from junjia.cases import roles
from junjia.core import audit, clock, personal
from junjia.core.models import AuditAction
from junjia.core.workdays import UnknownCalendarYear, WorkingDayCalendar, calendar_of
from junjia.orgs.api import Level, has_capability, jurisdiction_of
from junjia.staffing import api as staffing

from ..choices import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    SOON_DAYS,
    CaseStatus,
    Channel,
    ExtensionStatus,
    MaterialForm,
    MaterialState,
)
from ..forms import category_labels
from ..models import Case, CaseStep, Extension, Handover
from ..permissions import case_scope, get_case_for_actor

STATUS_BADGE = {
    CaseStatus.CONSULTED: "info",
    CaseStatus.INCOMPLETE: "warn",
    CaseStatus.NOTICE_ISSUED: "warn",
    CaseStatus.ACCEPTED: "info",
    CaseStatus.IN_PROGRESS: "info",
    CaseStatus.SENT_UP: "info",
    CaseStatus.COMPLETED: "ok",
    CaseStatus.REFUSED: "bad",
}
SEARCH_LIMIT = 50


def today() -> dt.date:
    return clock.today()


# --- audited reads ---------------------------------------------------------------------------


def subject_of(case: Case) -> str:
    return f"recipient:{case.recipient_id}" if case.recipient_id else ""


def record_case_view(actor, case: Case, page: str) -> None:
    """One audit row each time a case (with the applicant's data) is shown."""
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=case,
        region_key=case.region_key,
        subject_id=subject_of(case),
        extra={"page": page},
    )


def open_case(actor, pk, *, page: str, capability: str = roles.VIEW) -> Case:
    """Fetch one case the actor may reach (404 outside) and audit that it was shown."""
    case = get_case_for_actor(actor, pk, capability)
    record_case_view(actor, case, page)
    return case


def record_list(actor, name: str, **params) -> None:
    """One audit row per list of cases shown (the filter and the page, never one row per
    person); a case look-up keeps its query masked."""
    juris = jurisdiction_of(actor)
    extra = {"list": name, **{k: v for k, v in params.items() if v not in ("", None)}}
    extra = personal.mask_params(extra)  # never a full identity or phone number in the log
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="cases.case_list",
        object_repr="办件列表",
        region_key=juris.low if juris else None,
        extra=extra,
    )


def record_search(actor, *, what: str, q: str, found: int) -> None:
    juris = jurisdiction_of(actor)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="cases.case_list" if what == "case" else "registry.recipient_list",
        object_repr="办件查询" if what == "case" else "接件检索服务对象",
        region_key=juris.low if juris else None,
        extra={"q": personal.mask_text(q), "found": found},
    )


# --- deadlines in working days -----------------------------------------------------------------


class Clock:
    """Working days left before each due date, with one calendar for the whole page."""

    def __init__(self, day: dt.date, calendar: WorkingDayCalendar | None = None):
        self.today = day
        self.calendar = calendar or WorkingDayCalendar()

    @classmethod
    def of_page(cls, request, day: dt.date) -> "Clock":
        """Counting with the request's calendar, which the page's dates ({% due %}) read too."""
        return cls(day, calendar_of(request))

    def days_left(self, due: dt.date | None) -> int | None:
        if due is None:
            return None
        try:
            return self.calendar.working_days_between(self.today, due)
        except UnknownCalendarYear:
            return None

    def soon_limit(self) -> dt.date | None:
        try:
            return self.calendar.add_working_days(self.today, SOON_DAYS)
        except UnknownCalendarYear:
            return None

    def urgency(self, case: Case) -> str:
        """ "overdue" (red), "soon" (amber, due within 2 working days) or ""."""
        if case.due_on is None or case.status not in CLOCK_STATUSES:
            return ""
        if case.due_on < self.today:
            return "overdue"
        left = self.days_left(case.due_on)
        return "soon" if left is not None and left <= SOON_DAYS else ""

    def mark(self, cases) -> list[Case]:
        rows = list(cases)
        for case in rows:
            case.days_left = self.days_left(case.due_on) if case.status in CLOCK_STATUSES else None
            case.urgency = self.urgency(case)
            case.status_class = STATUS_BADGE.get(case.status, "")
        return rows


def due_text(case: Case) -> str:
    left = getattr(case, "days_left", None)
    if case.status not in CLOCK_STATUSES or case.due_on is None or left is None:
        return ""
    if left < 0:
        return f"已超期 {-left} 个工作日"
    if left == 0:
        return "今日到期"
    return f"剩余 {left} 个工作日"


# --- the work list ---------------------------------------------------------------------------


def work_counts(qs: QuerySet, actor, clock: Clock) -> dict:
    """The counts of the work list's filters, in one query."""
    soon = clock.soon_limit()
    clocked = Q(status__in=CLOCK_STATUSES)
    counts = qs.order_by().aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=clocked & Q(due_on__lt=clock.today)),
        soon=Count(
            "pk", filter=clocked & Q(due_on__gte=clock.today, due_on__lte=soon or clock.today)
        ),
        waiting=Count("pk", filter=Q(status__in=[CaseStatus.INCOMPLETE, CaseStatus.NOTICE_ISSUED])),
        standin=Count("pk", filter=~Q(owner=actor)),
    )
    if not soon:
        counts["soon"] = None
    return counts


WORK_FILTERS = {
    "overdue": "已超期",
    "soon": "即将到期",
    "waiting": "待补材料",
    "standin": "代 A 角办理",
}


def filter_work(qs: QuerySet, show: str, actor, clock: Clock) -> QuerySet:
    clocked = qs.filter(status__in=CLOCK_STATUSES)
    if show == "overdue":
        return clocked.filter(due_on__lt=clock.today)
    if show == "soon":
        soon = clock.soon_limit()
        return clocked.filter(due_on__gte=clock.today, due_on__lte=soon) if soon else qs.none()
    if show == "waiting":
        return qs.filter(status__in=[CaseStatus.INCOMPLETE, CaseStatus.NOTICE_ISSUED])
    if show == "standin":
        return qs.exclude(owner=actor)
    return qs


def find_cases(actor, q: str) -> list[Case]:
    """Cases in reach by number (whole or its tail) or the applicant's name; newest first."""
    q = q.strip()
    if not q:
        return []
    if re.fullmatch(r"[\d-]+", q):
        match = Q(number=q) | Q(number__endswith=q)
    else:
        match = Q(applicant_name__contains=q)
    return list(
        Case.objects.filter(case_scope(actor), match)
        .select_related("item_version__item", "owner", "station")
        .order_by("-created_at")[:SEARCH_LIMIT]
    )


# --- who handles a case ------------------------------------------------------------------------


def windows_of(owner_id: int) -> list:
    """The windows where the first handler is A, with their B."""
    return staffing.windows_as_primary(owner_id)


def stand_in(case: Case, day: dt.date) -> dict | None:
    """While the first handler is away: their leave and the backups (B) now handling."""
    return staffing.cover_for(case.owner_id, day)


def owners_away(cases, day: dt.date) -> set[int]:
    return staffing.users_away({c.owner_id for c in cases}, day)


# --- the case page ---------------------------------------------------------------------------


def history(case: Case) -> list[CaseStep]:
    labels = dict(CaseStatus.choices)
    steps = list(case.steps.select_related("actor").order_by("at", "id"))
    for step in steps:
        step.to_label = labels.get(step.to_status, step.to_status)
    return steps


def extensions(case: Case) -> list[Extension]:
    return list(
        case.extensions.select_related("requested_by", "decided_by").order_by("requested_at")
    )


def handovers(case: Case) -> list[Handover]:
    return list(case.handovers.select_related("clerk").order_by("at", "id"))


def evaluation_of(case: Case):
    from ..models import Evaluation

    return Evaluation.objects.filter(case=case).first()


def materials_summary(case: Case) -> dict:
    rows = case.materials or []
    return {
        "missing": [m for m in rows if m.get("state") == MaterialState.MISSING],
        "defective": [m for m in rows if m.get("state") == MaterialState.DEFECTIVE],
        "complete": not any(
            m.get("state") in (MaterialState.MISSING, MaterialState.DEFECTIVE) for m in rows
        ),
    }


def level_labels(levels) -> list[str]:
    labels = dict(Level.choices)
    return [labels.get(lv, str(lv)) for lv in sorted(levels or [])]


def catalogue_materials(version) -> list[dict]:
    forms = dict(MaterialForm.choices)
    return [
        {
            **m,
            "form_label": forms.get(m.get("form", ""), m.get("form", "")),
            "category_labels": category_labels(m.get("categories")),
        }
        for m in version.materials
    ]


def notice_content(case: Case) -> dict:
    """一次性告知 (000 §7): remit, the materials needed, the time limit, the missing ones, the
    defective ones with what is wrong, or the reason for refusal — all in one go."""
    version = case.item_version
    item = version.item
    station_level = case.station.region.level
    level_ok = station_level in (item.handling_levels or [])
    summary = materials_summary(case)
    forms = dict(MaterialForm.choices)
    for rows in (summary["missing"], summary["defective"]):
        for m in rows:
            m["form_label"] = forms.get(m.get("form", ""), m.get("form", ""))
    return {
        "within_remit": not case.outside_remit and level_ok,
        "outside_remit": case.outside_remit,
        "level_ok": level_ok,
        "handling_levels": level_labels(item.handling_levels),
        "needed": catalogue_materials(version),
        "time_limit_days": version.time_limit_days,
        "missing": summary["missing"],
        "defective": summary["defective"],
        "complete": summary["complete"],
        "refused": case.status == CaseStatus.REFUSED,
        "refusal_reason": case.refusal_reason,
    }


def contact_card(case: Case) -> dict:
    """联系服务卡: the first handler's name and office phone, the station's name and phone."""
    station = case.station
    clerk = case.owner
    return {
        "clerk": clerk,
        "office_phone": clerk.office_phone or station.phone or station.hotline,
        "station": station,
        "station_phone": station.phone or station.hotline,
    }


# --- the head's supervision --------------------------------------------------------------------


def pending_extensions(actor) -> list[Extension]:
    return list(
        Extension.objects.filter(
            status=ExtensionStatus.PENDING, **_case_range(actor, roles.SUPERVISE)
        )
        .select_related("case__item_version__item", "case__owner", "requested_by")
        .order_by("requested_at")[:200]
    )


def _case_range(actor, capability: str) -> dict:
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, capability):
        return {"pk__in": []}
    return {"case__region_key__gte": juris.low, "case__region_key__lte": juris.high}


def proxy_cases(actor) -> list[Case]:
    """帮办代办 cases still open: their status is visible to the station head (000 §7)."""
    return list(
        Case.objects.filter(
            case_scope(actor, roles.SUPERVISE),
            channel__in=[Channel.PROXY, Channel.ASSISTED, Channel.DOORSTEP],
            status__in=OPEN_STATUSES,
        )
        .select_related("item_version__item", "owner", "station")
        .order_by("created_at")[:200]
    )
