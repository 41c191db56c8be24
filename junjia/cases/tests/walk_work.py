"""Permission-walk classification of the case pages (views/work.py): my work and supervision,
opening a case, the case page and its actions, receipts, the catalogue and notifications.

kind: public / self / list / object / global; kwargs point at village B's objects; the last
value says whether a township-level user would see village B in that list."""

import datetime as dt


def extend_world(world, tree, personas):
    """Village B's overdue case of 乙某某 (owner clerk_b, a proxy case) with a pending
    extension and a hand-over, and a notification for clerk_b."""
    from django.utils import timezone

    from junjia.cases.catalogue import load_catalogue
    from junjia.cases.choices import CaseStatus, Channel, HandoverDirection
    from junjia.cases.models import Case, CaseStep, Extension, Handover, ServiceItem
    from junjia.core.models import Notification

    load_catalogue()
    station = tree.stations.village_b
    clerk_b = personas.clerk_b
    version = ServiceItem.objects.get(code="preferential-card").current_version
    today = timezone.localdate()
    world.case_b = Case.objects.create(
        number=f"{station.region.code}-WORK-0001",
        item_version=version,
        station=station,
        region_key=station.region_key,
        recipient=world.recipient_b,
        applicant_name=world.recipient_b.name,
        channel=Channel.PROXY,
        status=CaseStatus.ACCEPTED,
        owner=clerk_b,
        materials=[{"name": "居民身份证", "form": "both", "count": 1, "state": "ok", "note": ""}],
        accepted_on=today - dt.timedelta(days=40),
        due_on=today - dt.timedelta(days=3),
        proxy_requester="乙委托人",
        proxy_authorisation="书面委托书",
    )
    CaseStep.objects.create(
        case=world.case_b, action="接件", to_status=CaseStatus.RECEIVED, actor=clerk_b
    )
    world.extension_b = Extension.objects.create(
        case=world.case_b, days=5, reason="等待县级审核", requested_by=clerk_b
    )
    world.handover_b = Handover.objects.create(
        case=world.case_b,
        direction=HandoverDirection.IN,
        items=["居民身份证复印件"],
        counterpart="乙委托人",
        receipt_no="JJWALKB000001",
        clerk=clerk_b,
    )
    world.notification_b = Notification.objects.create(
        user=clerk_b, text="乙某某的办件已超期", link=f"/cases/{world.case_b.pk}/"
    )


def _case(world):
    return {"pk": world.case_b.pk}


def _clerk_b(world):
    """Village B's clerk, the case's first handler (首办负责)."""
    return world.staff_b


def received(world):
    """Village B's case back at 已接件, before acceptance: where it may be accepted, refused
    or its materials re-checked."""
    from junjia.cases.choices import CaseStatus
    from junjia.cases.models import Case

    Case.objects.filter(pk=world.case_b.pk).update(
        status=CaseStatus.RECEIVED, accepted_on=None, due_on=None
    )


def doorstep(world):
    """Village B's case taken at the door (上门服务): only then is an outcome recorded."""
    from junjia.cases.choices import Channel
    from junjia.cases.models import Case

    Case.objects.filter(pk=world.case_b.pk).update(channel=Channel.DOORSTEP)


def _recheck(world) -> dict:
    """Every material of the item version received in order."""
    materials = world.case_b.item_version.materials
    return {f"m-state_{i}": "ok" for i in range(len(materials))}


ITEM = {"code": "preferential-card"}

ROUTES = {
    # my own work: a township user has no case of village B's as their own
    "cases:work": ("list", None, False),
    # the head's supervision lists the jurisdiction's overdue cases: B's shows one level up
    "cases:supervise": ("list", None, True),
    "cases:case_open": ("list", None, False),
    "cases:recipient_search": ("list", None, False),
    # village B's case and what hangs off it
    "cases:case_detail": ("object", _case, False),
    "cases:case_move": (
        "object",
        _case,
        False,
        {"body": lambda w: {"to": "in_progress", "text": "开始办理"}, "actor": _clerk_b},
    ),
    "cases:case_recheck": (
        "object",
        _case,
        False,
        {"body": _recheck, "actor": _clerk_b, "prepare": received},
    ),
    "cases:case_notice": ("object", _case, False),
    "cases:case_receipt": ("object", _case, False),
    "cases:extension_request": (
        "object",
        _case,
        False,
        {"body": lambda w: {"days": 5, "reason": "等待县级复核"}, "actor": _clerk_b},
    ),
    "cases:doorstep_record": (
        "object",
        _case,
        False,
        {"body": lambda w: {"outcome": "当场办结"}, "actor": _clerk_b, "prepare": doorstep},
    ),
    "cases:handover_record": (
        "object",
        _case,
        False,
        {
            "body": lambda w: {
                "direction": "out",
                "counterpart": "乙委托人",
                "items": "居民身份证复印件\n优待证",
            },
            "actor": _clerk_b,
        },
    ),
    "cases:handover_receipt": (
        "object",
        lambda w: {"pk": w.case_b.pk, "handover_pk": w.handover_b.pk},
        False,
    ),
    # the station head decides (village B's b_all holds 站长)
    "cases:extension_decide": (
        "object",
        lambda w: {"pk": w.extension_b.pk},
        False,
        lambda w: {"decision": "approve"},
    ),
    # the catalogue is the same for everyone who may read it; publishing needs cases.catalogue
    "cases:catalogue": ("list", None, False),
    "cases:catalogue_detail": ("self", lambda w: ITEM, False),
    "cases:catalogue_versions": ("self", lambda w: ITEM, False),
    "cases:catalogue_version": ("self", lambda w: {**ITEM, "number": 1}, False),
    "cases:catalogue_new": ("global", None, False),
    "cases:catalogue_publish": ("global", lambda w: ITEM, False),
    # a user's own notifications; another's is out of reach
    "cases:notifications": ("self", None, False),
    "cases:notifications_bell": ("self", None, False),
    "cases:notification_open": ("object", lambda w: {"pk": w.notification_b.pk}, False),
}
