"""回访台账 (000 §7 跟踪服务), 差评整改 and 纸质评价录入 (000 §9 评价与改进)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from junjia.cases import roles
from junjia.core.errors import DomainError
from junjia.core.pages import paginate, query_without_page
from junjia.orgs.api import (
    get_for_actor,
    has_capability,
    region_scope,
    require_capability,
)

from .. import selectors, services
from ..choices import LOOP_ORDER, CallbackStatus, CaseStatus, LoopStage, RatingChannel
from ..forms_rota import CallbackRecordForm, LoopAdvanceForm, PaperEvaluationForm
from ..models import Callback, Case
from . import rota_reads as reads

CALLBACK_BADGE = {
    CallbackStatus.DUE: "warn",
    CallbackStatus.DONE: "ok",
    CallbackStatus.FOLLOW_UP: "bad",
}


@login_required
def callbacks(request):
    actor = request.user
    require_capability(actor, roles.CALLBACK)
    show = request.GET.get("show", "due")
    qs = selectors.callbacks_due(actor) if show == "due" else selectors.callback_ledger(actor)
    # A callback created because an earlier one on the case was unsatisfactory.
    earlier = Callback.objects.filter(
        case_id=OuterRef("case_id"), status=CallbackStatus.FOLLOW_UP, pk__lt=OuterRef("pk")
    )
    qs = qs.annotate(is_follow_up=Exists(earlier)).select_related("case__station")
    page = paginate(request, qs, per_page=50)
    day = reads.today()
    for row in page.object_list:
        row.badge = CALLBACK_BADGE.get(row.status, "")
        row.overdue = row.status == CallbackStatus.DUE and row.due_on < day
        row.case_link = reads.case_url(row.case_id)
    return render(
        request,
        "cases/callback_ledger.html",
        {
            "rows": page,
            "show": show,
            "query": query_without_page(request),
            "due_count": selectors.callbacks_due(actor).count(),
        },
    )


@login_required
def callback_record(request, pk):
    actor = request.user
    callback = get_for_actor(
        Callback.objects.select_related(
            "case__item_version__item", "case__station", "owner", "done_by"
        ),
        actor,
        roles.CALLBACK,
        pk=pk,
    )
    form = CallbackRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = services.callback_record(
                actor=actor,
                callback=callback,
                outcome=data["outcome"],
                satisfaction=data["satisfaction"],
                follow_up=data["follow_up"],
            )
        except DomainError as exc:
            if callback.status != CallbackStatus.DUE:
                messages.error(request, str(exc))
                return redirect("cases:callback_record", pk=callback.pk)
            form.add_error(None, str(exc))
        else:
            if done.status == CallbackStatus.FOLLOW_UP:
                follow = (
                    Callback.objects.filter(case=done.case, status=CallbackStatus.DUE)
                    .order_by("-pk")
                    .first()
                )
                messages.warning(
                    request,
                    f"回访已记录：不满意或问题未解决，已为首办人 {done.case.owner} 生成跟进回访，"
                    f"期限 {follow.due_on:%Y-%m-%d}。",
                )
            else:
                messages.success(request, "回访已记录。")
            return redirect("cases:callbacks")
    return _callback_page(request, callback, form)


def _callback_page(request, callback, form, phone: str = ""):
    history = list(
        Callback.objects.filter(case=callback.case)
        .exclude(pk=callback.pk)
        .select_related("done_by")
        .order_by("due_on", "pk")
    )
    return render(
        request,
        "cases/callback_record.html",
        {
            "callback": callback,
            "case": callback.case,
            "case_link": reads.case_url(callback.case_id),
            "form": form if callback.status == CallbackStatus.DUE else None,
            "phone": phone,
            "history": history,
            "badge": CALLBACK_BADGE.get(callback.status, ""),
        },
    )


@login_required
@require_POST
@never_cache
def callback_reveal_phone(request, pk):
    """One click shows the full number to call (a tel: link); audited by the service."""
    callback = get_for_actor(
        Callback.objects.select_related(
            "case__item_version__item", "case__station", "owner", "done_by"
        ),
        request.user,
        roles.CALLBACK,
        pk=pk,
    )
    try:
        phone = services.callback_reveal_phone(actor=request.user, callback=callback)
    except DomainError as exc:
        if request.htmx:
            return render(
                request,
                "cases/_callback_phone.html",
                {"callback": callback, "case": callback.case, "error": str(exc)},
            )
        messages.error(request, str(exc))
        return redirect("cases:callback_record", pk=pk)
    if request.htmx:
        context = {"callback": callback, "case": callback.case, "phone": phone}
        return render(request, "cases/_callback_phone.html", context)
    return _callback_page(request, callback, CallbackRecordForm(), phone)


@login_required
def loops(request):
    """The head sees every open loop in reach: stage, owner, due date (overdue in red)."""
    actor = request.user
    require_capability(actor, roles.VIEW)
    day = reads.today()
    rows = list(selectors.open_loops(actor).select_related("evaluation__case__station")[:500])
    for row in rows:
        row.overdue = row.due_on < day
    return render(
        request,
        "cases/loop_list.html",
        {
            "rows": rows,
            "closed": reads.closed_loops(actor),
            "can_enter_paper": has_capability(actor, roles.HANDLE),
        },
    )


def _stages(loop) -> list[dict]:
    current = LOOP_ORDER.index(loop.stage)
    if loop.stage == LoopStage.CLOSED:
        current += 1  # a closed loop is finished: every stage shows as done
    return [
        {
            "label": stage.label,
            "state": "done" if i < current else ("current" if i == current else "todo"),
        }
        for i, stage in enumerate(LoopStage)
    ]


def _advance_form(actor, loop, data=None):
    if services.loop_refusal(actor, loop):
        return None
    final = services.loop_next_stage(loop) == LoopStage.CLOSED
    return LoopAdvanceForm(data, staff=reads.staff_of(loop.evaluation.case.station), final=final)


def _loop_page(request, loop, form):
    following = None
    if loop.stage != LoopStage.CLOSED:
        following = LoopStage(LOOP_ORDER[LOOP_ORDER.index(loop.stage) + 1])
    evaluation = loop.evaluation
    return render(
        request,
        "cases/loop_detail.html",
        {
            "loop": loop,
            "evaluation": evaluation,
            "case": evaluation.case,
            "case_link": reads.case_url(evaluation.case_id),
            "stages": _stages(loop),
            "records": list(loop.records.select_related("actor")),
            "form": form,
            "following": following,
            "overdue": loop.stage != LoopStage.CLOSED and loop.due_on < reads.today(),
        },
    )


@login_required
def loop_detail(request, pk):
    actor = request.user
    loop = reads.loop_for(actor, pk)
    return _loop_page(request, loop, _advance_form(actor, loop))


@login_required
@require_POST
def loop_advance(request, pk):
    actor = request.user
    loop = reads.loop_for(actor, pk)
    form = _advance_form(actor, loop, request.POST)
    if form is None:
        messages.error(request, services.loop_refusal(actor, loop))
        return redirect("cases:loop_detail", pk=loop.pk)
    if form.is_valid():
        try:
            moved = services.loop_advance(
                actor=actor,
                loop=loop,
                record=form.cleaned_data["record"],
                next_owner=form.cleaned_data.get("next_owner"),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            if moved.stage == LoopStage.CLOSED:
                messages.success(request, "已记录“改进提升”，差评整改已闭环。")
            else:
                messages.success(
                    request,
                    f"已进入“{moved.get_stage_display()}”，责任人 {moved.owner}，"
                    f"期限 {moved.due_on:%Y-%m-%d}。",
                )
            return redirect("cases:loop_detail", pk=loop.pk)
    return _loop_page(request, loop, form)


@login_required
def evaluation_paper(request):
    """纸质评价表录入: a rating the person wrote on paper, for a completed case in reach."""
    actor = request.user
    require_capability(actor, roles.HANDLE)
    form = PaperEvaluationForm(
        request.POST or None, initial={"case_number": request.GET.get("case", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = Case.objects.filter(
            region_scope(actor, roles.HANDLE), number=data["case_number"]
        ).first()
        if case is None:
            form.add_error("case_number", "未找到该办件，或不在您的辖区内。")
        elif case.status != CaseStatus.COMPLETED:
            form.add_error("case_number", "办件办结后才能评价。")
        else:
            try:
                evaluation = services.evaluation_submit(
                    case=case,
                    score=data["score"],
                    comment=data["comment"],
                    channel=RatingChannel.PAPER,
                    entered_by=actor,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                loop = getattr(evaluation, "loop", None)
                if loop is not None:
                    messages.warning(
                        request,
                        f"已录入 {case.number} 的评价“{evaluation.get_score_display()}”；"
                        "低于“满意”，已启动差评整改。",
                    )
                    return redirect("cases:loop_detail", pk=loop.pk)
                messages.success(
                    request,
                    f"已录入 {case.number} 的评价“{evaluation.get_score_display()}”。",
                )
                return redirect("cases:evaluation_paper")
    return render(
        request,
        "cases/loop_paper.html",
        {"form": form, "unrated": reads.unrated_completed(actor)},
    )
