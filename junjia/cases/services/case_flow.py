"""A case from the window to completion: opening with the materials check, every status
change through the workflow kernel, doorstep and proxy hand-overs (000 §7)."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from junjia.cases import roles
from junjia.core import audit, notifications, sms
from junjia.core.errors import InvalidInput
from junjia.core.models import AuditAction
from junjia.core.numbering import save_numbered
from junjia.core.personal import normalise_mobile, parse_id_number
from junjia.core.workdays import add_working_days
from junjia.core.workflow import available, perform
from junjia.orgs.api import can_reach, require_capability

from .. import errors
from ..choices import (
    CALLBACK_AREAS,
    CaseStatus,
    Channel,
    MaterialState,
)
from ..models import (
    CASE_APPLICANT_ID,
    CASE_APPLICANT_PHONE,
    Callback,
    Case,
    CaseStep,
    Handover,
    ServiceItem,
    ServiceItemVersion,
)
from ..workflow import (
    CASE_WORKFLOW,
)
from .availability import can_handle
from .common import (
    CALLBACK_DAYS,
    RECHECK_STATUSES,
    _applicant_phone,
    _today,
    rating_url,
)


def _can(actor, capability, case) -> bool | str:
    """The kernel's permission check: outside the jurisdiction or without the capability,
    no; inside it but not the case's handler, the reason naming the first handler."""
    if not can_reach(actor, capability, case.region_key):
        return False
    if capability == roles.HANDLE and not can_handle(actor, case):
        return errors.NOT_HANDLER.format(owner=case.owner)
    return True


def _recorder(actor, case, remark=""):
    def record(step):
        text = step.remark or remark
        CaseStep.objects.create(
            case=step.obj,
            action=step.transition.action,
            from_status=step.from_status,
            to_status=step.to_status,
            actor=actor,
            remark=text,
            extra=step.extra or None,
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            subject_id=f"recipient:{step.obj.recipient_id}" if step.obj.recipient_id else "",
            changes={"status": [step.from_status, step.to_status]},
            extra={"action": step.transition.action, "remark": text, **step.extra},
        )

    return record


# --- opening a case -------------------------------------------------------------------------------


def check_materials(
    version: ServiceItemVersion, received: dict[str, dict], categories=None
) -> list[dict]:
    """The item's material list with the state of each as received at the window. For a
    person on file, category-specific materials apply by their categories; for a walk-in
    (categories None) everything applies until the clerk marks it 不适用."""
    rows = []
    for material in version.materials:
        wanted_for = set(material.get("categories") or [])
        applies = not wanted_for or categories is None or bool(wanted_for & set(categories))
        got = received.get(material["name"], {})
        state = got.get("state") or (MaterialState.MISSING if applies else MaterialState.NOT_NEEDED)
        if state not in MaterialState.values:
            state = MaterialState.MISSING
        rows.append(
            {
                "name": material["name"],
                "form": material.get("form", ""),
                "count": material.get("count", 1),
                "state": state,
                "note": (got.get("note") or "").strip()[:200],
            }
        )
    return rows


@transaction.atomic
def case_open(
    *,
    actor,
    item: ServiceItem,
    channel: str,
    recipient=None,
    applicant_name: str = "",
    applicant_phone: str = "",
    applicant_id: str = "",
    received: dict | None = None,
    consultation: bool = False,
    doorstep: dict | None = None,
    proxy: dict | None = None,
    outside_remit: bool = False,
    source: tuple[str, str] | None = None,
    remark: str = "",
) -> Case:
    """Open a case at the actor's station; the actor becomes its first handler. `source`
    (reference, words) names the module it came from (api.case_open_for_need); `remark` is
    the first step's note (the need as found)."""
    require_capability(actor, roles.HANDLE)
    station = actor.station
    version = item.current_version
    Channel(channel)
    # The catalogue says which levels handle an item; a hall takes only those (a matter of
    # another level is recorded as outside its remit and referred).
    level = station.region.level
    if not outside_remit and level not in item.handling_levels:
        raise InvalidInput(errors.ITEM_NOT_HERE.format(item=item.name), field="item")
    if channel == Channel.DOORSTEP and not (doorstep or {}).get("condition", "").strip():
        raise errors.CaseError(errors.DOORSTEP_CONDITION)
    if channel == Channel.PROXY and not (
        (proxy or {}).get("requester") and (proxy or {}).get("authorisation")
    ):
        raise errors.CaseError(errors.PROXY_AUTHORISATION)
    categories = None
    if recipient is not None:
        if not can_reach(actor, "registry.view", recipient.region_key):
            raise errors.CaseError("该服务对象不在您的辖区内。")
        applicant_name = recipient.name
        categories = tuple(recipient.categories.values_list("category", flat=True))
    if not applicant_name.strip():
        raise errors.CaseError("请填写申请人姓名，或选择服务对象档案。")
    extra = {}
    if applicant_phone:
        extra.update(CASE_APPLICANT_PHONE.seal(normalise_mobile(applicant_phone)))
    if applicant_id and recipient is None:
        extra.update(CASE_APPLICANT_ID.seal(parse_id_number(applicant_id).value))
    status = CaseStatus.CONSULTED if consultation else CaseStatus.RECEIVED
    doorstep, proxy = doorstep or {}, proxy or {}
    prefix = f"{station.region.code}-{_today():%Y%m%d}-"
    case = save_numbered(
        Case,
        prefix,
        lambda number: Case.objects.create(
            number=number,
            item_version=version,
            station=station,
            region_key=station.region_key,
            recipient=recipient,
            applicant_name=applicant_name.strip(),
            channel=channel,
            status=status,
            owner=actor,
            materials=check_materials(version, received or {}, categories),
            outside_remit=outside_remit,
            doorstep_condition=doorstep.get("condition", ""),
            doorstep_at=doorstep.get("at"),
            doorstep_place=doorstep.get("place", ""),
            proxy_requester=proxy.get("requester", ""),
            proxy_relationship=proxy.get("relationship", ""),
            proxy_authorisation=proxy.get("authorisation", ""),
            source_ref=source[0][:40] if source else "",
            source_label=source[1][:60] if source else "",
            **extra,
        ),
    )
    if case is None:
        raise errors.CaseError("办件编号生成冲突，请重试。")
    CaseStep.objects.create(
        case=case,
        action="咨询登记" if consultation else "接件",
        to_status=status,
        actor=actor,
        remark=(remark or "").strip(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=case,
        subject_id=f"recipient:{recipient.pk}" if recipient else "",
        changes={"item": [None, item.name], "channel": [None, channel]},
        extra={"source": case.source_ref} if case.source_ref else None,
    )
    return case


NEED_PREFIX = "走访发现的需求："


def case_open_for_need(
    *, actor, item_code: str, recipient, need: str, source_ref: str, source_label: str
) -> Case:
    """A need found by another module (a visit) opened as a case for the person at the
    actor's station (帮办: the clerk takes it up for them), the need as the first step's note
    and the source kept so each side links to the other."""
    item = ServiceItem.objects.filter(
        code=item_code, is_active=True, current_version__isnull=False
    ).first()
    if item is None:
        raise InvalidInput(errors.NO_ITEM_CHOSEN, field="item")
    need = (need or "").strip()
    if not need:
        raise InvalidInput(errors.NO_NEED, field="need")
    return case_open(
        actor=actor,
        item=item,
        channel=Channel.ASSISTED,
        recipient=recipient,
        source=(source_ref, source_label),
        remark=f"{NEED_PREFIX}{need}"[:2000],
    )


# --- moving a case along ------------------------------------------------------------------------


@transaction.atomic
def case_recheck(*, actor, case: Case, received: dict) -> Case:
    """Record the materials as now received. The person may come back to any clerk; the case
    stays with its first handler, who is told (首办负责制)."""
    if not can_reach(actor, roles.HANDLE, case.region_key):
        raise errors.CaseError("该办件不在您的辖区内。")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in RECHECK_STATUSES:
        raise errors.CaseError(
            errors.NOT_RECHECKABLE.format(status=CaseStatus(locked.status).label)
        )
    categories = None
    if locked.recipient_id:
        categories = tuple(locked.recipient.categories.values_list("category", flat=True))
    locked.materials = check_materials(locked.item_version, received, categories)
    locked.save(update_fields=["materials", "updated_at"])
    if locked.status == CaseStatus.NOTICE_ISSUED:
        perform(
            CASE_WORKFLOW,
            locked,
            CaseStatus.RECEIVED,
            actor=actor,
            can=lambda a, cap, obj: can_reach(a, cap, obj.region_key),
            record=_recorder(actor, locked, "申请人补齐材料"),
        )
    if actor.pk != locked.owner_id:
        notifications.notify(
            [locked.owner],
            f"办件 {locked.number}（{locked.applicant_name}）已补交材料，请继续办理。",
            link=f"/cases/{locked.pk}/",
        )
    return Case.objects.get(pk=locked.pk)


def case_move(*, actor, case: Case, to: str, remark: str = "", **context) -> Case:
    return perform(
        CASE_WORKFLOW,
        case,
        to,
        actor=actor,
        can=_can,
        record=_recorder(actor, case),
        remark=remark,
        **context,
    )


def case_actions(actor, case: Case) -> list[tuple[str, object]]:
    """What this user may do to this case now: the buttons of the page and the API's list."""
    return available(CASE_WORKFLOW, case, actor, can=_can)


@transaction.atomic
def case_mark_incomplete(*, actor, case: Case) -> Case:
    return case_move(actor=actor, case=case, to=CaseStatus.INCOMPLETE)


@transaction.atomic
def case_issue_notice(*, actor, case: Case) -> Case:
    """一次性告知: issued once, in full, from the item and the materials check."""
    return case_move(actor=actor, case=case, to=CaseStatus.NOTICE_ISSUED)


@transaction.atomic
def case_accept(*, actor, case: Case) -> Case:
    """Acceptance starts the promised time limit, counted in working days (the workflow's
    deadline)."""

    def apply(locked):
        locked.accepted_on = _today()
        return ["accepted_on"]

    return perform(
        CASE_WORKFLOW,
        case,
        CaseStatus.ACCEPTED,
        actor=actor,
        can=_can,
        record=_recorder(actor, case),
        apply=apply,
    )


@transaction.atomic
def case_complete(*, actor, case: Case, result: str) -> Case:
    now = timezone.localtime()

    def apply(locked):
        locked.completed_at = now
        locked.result = result.strip()
        # 延时服务 (000 §7): finished after closing time because it was ready to finish.
        locked.delay_service = now.time() > closing_time()
        return ["completed_at", "result", "delay_service"]

    def text_rating_link():
        phone = _applicant_phone(locked)
        if phone:
            link = rating_url(locked)
            sms.send(phone, f"【军之家】您的办件 {locked.number} 已办结，请对服务进行评价：{link}")

    locked = perform(
        CASE_WORKFLOW,
        case,
        CaseStatus.COMPLETED,
        actor=actor,
        can=_can,
        record=_recorder(actor, case, result.strip()),
        apply=apply,
        effects=[text_rating_link],
        result=result,
    )
    if locked.item_version.item.area in CALLBACK_AREAS:
        Callback.objects.create(
            case=locked,
            region_key=locked.region_key,
            owner=locked.owner,
            due_on=add_working_days(_today(), CALLBACK_DAYS),
        )
    return locked


def closing_time() -> dt.time:
    return dt.time.fromisoformat(getattr(settings, "JUNJIA_CLOSING_TIME", "17:30"))


@transaction.atomic
def case_refuse(*, actor, case: Case, reason: str) -> Case:
    def apply(locked):
        locked.refusal_reason = reason.strip()
        return ["refusal_reason"]

    return perform(
        CASE_WORKFLOW,
        case,
        CaseStatus.REFUSED,
        actor=actor,
        can=_can,
        record=_recorder(actor, case, reason.strip()),
        apply=apply,
        reason=reason,
    )


@transaction.atomic
def case_record_doorstep(*, actor, case: Case, outcome: str) -> Case:
    if not can_handle(actor, case):
        raise errors.CaseError(errors.NOT_HANDLER.format(owner=case.owner))
    if case.channel != Channel.DOORSTEP:
        raise errors.CaseError(errors.NOT_DOORSTEP)
    if not outcome.strip():
        raise errors.CaseError(errors.DOORSTEP_OUTCOME_REQUIRED)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.doorstep_outcome = outcome.strip()
    locked.save(update_fields=["doorstep_outcome", "updated_at"])
    CaseStep.objects.create(
        case=locked,
        action="上门服务记录",
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        remark=outcome.strip(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        changes={"doorstep_outcome": [None, outcome]},
    )
    return locked


@transaction.atomic
def handover_record(
    *, actor, case: Case, direction: str, items: list[str], counterpart: str
) -> Handover:
    """帮办代办: a receipted hand-over of materials, person → clerk or clerk → person."""
    if not can_handle(actor, case):
        raise errors.CaseError(errors.NOT_HANDLER.format(owner=case.owner))
    if case.channel not in (Channel.PROXY, Channel.ASSISTED):
        raise errors.CaseError(errors.HANDOVER_NOT_PROXY)
    items = [i.strip() for i in items if i.strip()]
    if not items or not counterpart.strip():
        raise errors.CaseError("请填写交接的材料和交接人。")
    receipt = f"JJ{_today():%Y%m%d}{secrets.randbelow(10**6):06d}"
    handover = Handover.objects.create(
        case=case,
        direction=direction,
        items=items,
        counterpart=counterpart.strip(),
        receipt_no=receipt,
        clerk=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=handover,
        region_key=case.region_key,
        changes={"items": [None, "、".join(items)], "direction": [None, direction]},
    )
    return handover
