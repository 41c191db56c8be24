"""Staff pages of assessment: the score sheets with the loader's sum check, the quarterly
rounds, a station's score sheet filled in row by row (on a phone too), submitting it to the
county, the county's spot check and its comparison row by row, and 附件2 as a print page
and an xlsx file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from junjia.core import audit, clock, xlsx
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction
from junjia.core.pages import show_refusal
from junjia.orgs.api import jurisdiction_of

from . import errors, selectors, services
from .choices import AssessmentStatus, ScoringKind
from .forms import RoundForm, ScoringForm
from .permissions import (
    can_check,
    can_open_rounds,
    can_score,
    can_view,
    get_assessment_for_actor,
    get_round_for_actor,
    may_check_now,
    may_score_now,
)

NOT_A_READER = "您没有查看考核评估的权限。"
STATISTICS_COLUMNS = ("序号", "退役军人服务站名称", "得分", "联系人", "联系电话", "备注")


def _require_reader(actor) -> None:
    if not can_view(actor):
        raise PermissionDenied(NOT_A_READER)


# --- score sheets ------------------------------------------------------------------------


@login_required
def sheet_list(request):
    _require_reader(request.user)
    return render(
        request, "assessment/sheet_list.html", {"versions": selectors.sheet_versions(request.user)}
    )


@login_required
def sheet_detail(request, pk):
    actor = request.user
    _require_reader(actor)
    version = selectors.sheet_version(actor, pk)
    if version is None:
        raise Http404("未找到该评分表版本。")
    return render(
        request,
        "assessment/sheet_detail.html",
        {"version": version, "groups": selectors.groups_of(version)},
    )


# --- rounds ------------------------------------------------------------------------------


@login_required
def round_list(request):
    actor = request.user
    _require_reader(actor)
    opener = can_open_rounds(actor)
    form = RoundForm(request.POST or None) if opener else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(errors.NOT_ROUND_OPENER)
        if form.is_valid():
            try:
                found = services.round_open(
                    actor=actor,
                    year=form.cleaned_data["year"],
                    quarter=form.cleaned_data["quarter"],
                )
            except DomainError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, f"已开启“{found}”的考核，共 {found.station_count} 个村（社区）服务站。"
                )
                return redirect("assessment:round_detail", pk=found.pk)
    return render(
        request,
        "assessment/round_list.html",
        {"rounds": selectors.rounds_for(actor), "form": form},
    )


@login_required
def round_detail(request, pk):
    actor = request.user
    _require_reader(actor)
    found = get_round_for_actor(actor, pk)
    rows = list(selectors.round_assessments(actor, found))
    differing = selectors.differing_count(rows)
    for a in rows:
        a.may_score = may_score_now(actor, a)
        a.may_check = may_check_now(actor, a)
        a.differing = differing.get(a.pk)
    townships: dict[str, list] = {}
    for a in rows:
        townships.setdefault(a.township_name, []).append(a)
    return render(
        request,
        "assessment/round_detail.html",
        {
            "round": found,
            "townships": townships,
            "counts": selectors.round_counts(rows),
        },
    )


@login_required
def statistics(request, pk):
    """附件2 in its layout: 填报单位 (the reader's station) and the date, then one line per
    station within reach; `?export=xlsx` gives the same table as a file. Audited."""
    actor = request.user
    _require_reader(actor)
    found = get_round_for_actor(actor, pk)
    rows = selectors.statistics_rows(actor, found)
    title = statistics_title(found)
    filler = actor.station.name if actor.station_id else ""
    today = clock.today()
    exporting = request.GET.get("export") == "xlsx"
    juris = jurisdiction_of(actor)
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT if exporting else AuditAction.VIEW,
        obj=found,
        object_repr=f"{found} 验收情况统计表（{len(rows)} 个服务站）",
        region_key=juris.low if juris else found.region_key,
        extra={"page": "assessment.statistics", "format": "xlsx" if exporting else "page"},
    )
    if exporting:
        return _statistics_xlsx(title, found, rows, filler, today)
    return render(
        request,
        "assessment/statistics.html",
        {"round": found, "rows": rows, "filler": filler, "today": today, "title": title},
    )


def statistics_title(found) -> str:
    """附件2's title: the score sheet's, its 评分表 become 情况统计表."""
    return f"{found.version.title.removesuffix('评分表')}情况统计表"


def _statistics_xlsx(title, found, rows, filler, today) -> HttpResponse:
    """附件2 as the document lays it out: its title, 填报单位 and the date, the column
    headings, one line per station."""
    filled = [
        f"填报单位（加盖公章）：{filler}",
        "",
        "",
        f"{today.year}年{today.month}月{today.day}日",
    ]
    body = [[r.number, r.station, r.score, r.contact, r.phone, r.remark] for r in rows]
    data = xlsx.write_workbook([("验收情况统计表", (title,), [filled, STATISTICS_COLUMNS, *body])])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"assessment-{found.year}-q{found.quarter}-{stamp}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- one station's assessment ------------------------------------------------------------


@login_required
def assessment_detail(request, pk):
    actor = request.user
    _require_reader(actor)
    found = get_assessment_for_actor(actor, pk)
    township = selectors.scoring_of(found, ScoringKind.TOWNSHIP)
    scores = {r.row_id: r for r in township.rows.all()} if township else {}
    groups = selectors.groups_of(found.round.version)
    for group in groups:
        for row in group.rows.all():
            row.given = scores.get(row.pk)
    return render(
        request,
        "assessment/assessment_detail.html",
        {
            "assessment": found,
            "scoring": township,
            "groups": groups,
            "may_score": may_score_now(actor, found),
            "may_check": may_check_now(actor, found),
            "has_check": found.scorings.filter(kind=ScoringKind.CHECK).exists(),
            "history": found.steps.select_related("actor"),
        },
    )


def _scoring_page(request, pk, kind: str):
    """The score sheet filled in row by row: 保存 keeps a draft, the second button moves the
    station on (submit to the county; finish the spot check). A refusal stays on the form,
    under the row it names."""
    actor = request.user
    _require_reader(actor)
    found = get_assessment_for_actor(actor, pk)
    allowed = can_score if kind == ScoringKind.TOWNSHIP else can_check
    if not allowed(actor, found):
        raise PermissionDenied(
            errors.NOT_SCORER if kind == ScoringKind.TOWNSHIP else errors.NOT_CHECKER
        )
    version = found.round.version
    groups = selectors.groups_of(version)
    scoring = selectors.scoring_of(found, kind)
    form = ScoringForm(request.POST or None, groups=groups, scoring=scoring)
    open_now = (
        found.status == AssessmentStatus.SCORING
        if kind == ScoringKind.TOWNSHIP
        else found.status == AssessmentStatus.SUBMITTED
    )
    if request.method == "POST" and form.is_valid():
        moving = request.POST.get("action") == "submit"
        try:
            with_transaction(actor, found, kind, form, moving)
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _done(kind, moving))
            if moving and kind == ScoringKind.CHECK:
                return redirect("assessment:assessment_compare", pk=found.pk)
            if moving:
                return redirect("assessment:assessment_detail", pk=found.pk)
            return redirect(request.path)
    return render(
        request,
        "assessment/scoring_form.html",
        {
            "assessment": found,
            "version": version,
            "form": form,
            "scoring": scoring,
            "kind": kind,
            "open_now": open_now,
        },
    )


def with_transaction(actor, found, kind, form, moving: bool) -> None:
    """Save the entries and, when asked, move the station on: one transaction, so a
    refused step leaves the draft as it was before."""
    from django.db import transaction

    with transaction.atomic():
        services.scoring_save(actor=actor, assessment=found, kind=kind, data=form.entries())
        if moving and kind == ScoringKind.TOWNSHIP:
            services.assessment_submit(actor=actor, assessment=found)
        elif moving:
            services.check_finish(actor=actor, assessment=found)


def _done(kind: str, moving: bool) -> str:
    if kind == ScoringKind.TOWNSHIP:
        return "已报送县级服务中心。" if moving else "评分已保存（草稿），可继续填写。"
    return "抽查复核已完成。" if moving else "复核评分已保存（草稿），可继续填写。"


@login_required
def assessment_score(request, pk):
    return _scoring_page(request, pk, ScoringKind.TOWNSHIP)


@login_required
def assessment_check(request, pk):
    return _scoring_page(request, pk, ScoringKind.CHECK)


@login_required
def assessment_compare(request, pk):
    actor = request.user
    _require_reader(actor)
    found = get_assessment_for_actor(actor, pk)
    return render(
        request,
        "assessment/compare.html",
        {"assessment": found, **selectors.comparison(found)},
    )


@login_required
@require_POST
def assessment_submit(request, pk):
    """Submit the saved scoring to the county (the button on the station's page)."""
    actor = request.user
    _require_reader(actor)
    found = get_assessment_for_actor(actor, pk)
    if not can_score(actor, found):
        raise PermissionDenied(errors.NOT_SCORER)
    try:
        services.assessment_submit(actor=actor, assessment=found)
    except DomainError as exc:
        messages.error(request, f"未能报送：{exc}")
    else:
        messages.success(request, "已报送县级服务中心。")
    return redirect("assessment:assessment_detail", pk=found.pk)
