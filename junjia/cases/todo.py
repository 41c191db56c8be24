"""What the cases app puts on a clerk's home page (core.todo): my cases and those I cover as
B, my callbacks and rectification stages, and extensions waiting for the head."""

from django.db.models import Q
from django.urls import reverse

from junjia.cases import roles
from junjia.core.todo import COVER, MINE, REVIEW, WorkflowQueue
from junjia.orgs.api import has_capability, region_scope

from . import selectors
from .choices import CallbackStatus, ExtensionStatus, LoopStage
from .models import Callback, Extension, RectificationLoop
from .workflow import CALLBACK_WORKFLOW, CASE_WORKFLOW, EXTENSION_WORKFLOW, LOOP_WORKFLOW


def _case_title(case) -> str:
    return f"{case.number} {case.applicant_name} · {case.item_version.item.name}"


def _cover_note(case, actor) -> str:
    if case.owner_id == actor.pk:
        return ""
    return f"首办人 {case.owner.full_name or case.owner} 不在岗，由您代办"


def _kind(case, actor) -> str:
    return MINE if case.owner_id == actor.pk else COVER


def _covered(actor) -> Q:
    return ~Q(owner_id=actor.pk)  # _kind's COVER, for the count


def _my_callbacks(actor, today):
    return (
        Callback.objects.filter(owner=actor, status=CallbackStatus.DUE)
        .select_related("case")
        .order_by("due_on", "pk")
    )


def _my_loop_stages(actor, today):
    return (
        RectificationLoop.objects.filter(owner=actor)
        .exclude(stage=LoopStage.CLOSED)
        .select_related("evaluation__case")
        .order_by("due_on", "pk")
    )


def _extensions_to_decide(actor, today):
    if not has_capability(actor, roles.SUPERVISE):
        return Extension.objects.none()
    return (
        Extension.objects.filter(status=ExtensionStatus.PENDING)
        .filter(case__in=_reach(actor))
        .select_related("case")
        .order_by("requested_at", "pk")
    )


def _reach(actor):
    from .models import Case

    return Case.objects.filter(region_scope(actor, roles.SUPERVISE)).values("pk")


QUEUES = (
    WorkflowQueue(
        CASE_WORKFLOW,
        "办件",
        MINE,
        rows=lambda actor, today: selectors.my_work(actor, today).select_related("owner"),
        title=_case_title,
        link=lambda case: reverse("cases:case_detail", args=[case.pk]),
        note=_cover_note,
        kind_of=_kind,
        urgent=_covered,
    ),
    WorkflowQueue(
        CALLBACK_WORKFLOW,
        "回访",
        MINE,
        rows=_my_callbacks,
        title=lambda callback: f"办件 {callback.case.number} {callback.case.applicant_name}",
        link=lambda callback: reverse("cases:callback_record", args=[callback.pk]),
    ),
    WorkflowQueue(
        LOOP_WORKFLOW,
        "差评整改",
        MINE,
        rows=_my_loop_stages,
        title=lambda loop: f"办件 {loop.evaluation.case.number}（{loop.get_stage_display()}）",
        link=lambda loop: reverse("cases:loop_detail", args=[loop.pk]),
    ),
    WorkflowQueue(
        EXTENSION_WORKFLOW,
        "延期申请",
        REVIEW,
        rows=_extensions_to_decide,
        title=lambda ext: f"办件 {ext.case.number} 申请延期 {ext.days} 个工作日",
        link=lambda ext: reverse("cases:supervise"),
        note=lambda ext, actor: ext.reason,
    ),
)
