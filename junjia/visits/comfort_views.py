"""The comfort-money ledger (慰问金台账, issue 13 "Ledgers and coverage"): every visit within
reach where money (慰问金, fen) or goods (慰问品) were given — date, person (name, masked
identity number), amount, budget line, goods, visitors, whether the recipient signed — with
totals per budget line and overall; by station, dates, campaign and budget line. Every page
is one audit row; the Excel export is a background job (exports.py); the print page (A4)
carries the recipients' signature column and the sign-off of 经办人 and 负责人. The budget
lines a county keeps (经费来源) so the totals add up under one name each."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from junjia.core import audit
from junjia.core.errors import DomainError, NotPermitted
from junjia.core.models import AuditAction
from junjia.core.pages import paginate, query_without_page, show_refusal
from junjia.core.text import GuardedForm, refuse_hidden
from junjia.orgs.api import has_capability, jurisdiction_of

from . import errors, exports, roles, selectors, services
from .permissions import can_keep_budget_lines
from .visit_forms import ComfortFilter
from .visit_views import NOT_A_READER, _shown, start_ledger_export

COMFORT_PAGE = "visits.comfort"
PRINT_LIMIT = 500  # rows on one printed ledger; a wider one is narrowed (a station, a month)
PRINT_TOO_LARGE = "本次打印有 {count} 条，超过 {limit} 条。请选择一个服务站或缩短日期后再打印。"


def _reader(actor):
    if not has_capability(actor, roles.VIEW):
        raise PermissionDenied(NOT_A_READER)
    juris = jurisdiction_of(actor)
    if juris is None:
        raise PermissionDenied(NOT_A_READER)
    return juris


def _filters(request, actor):
    form = ComfortFilter(
        request.GET or None,
        campaigns=selectors.campaigns_for(actor)[:200],
        budget_lines=selectors.budget_lines_in_use(actor),
    )
    data = form.cleaned_data if form.is_valid() else {}
    raw = request.GET.get("station", "")
    line = data.get("budget_line") or None
    return form, {
        "station_key": int(raw) if raw.isdigit() else None,
        "start": data.get("start"),
        "end": data.get("end"),
        "campaign": data.get("campaign"),
        "budget_line": "" if line == "-" else line,
    }


def _audit(actor, juris, filters, page: str, **extra) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="visits.visit",
        object_repr="慰问金台账",
        region_key=juris.low,
        extra={"page": page, "filter": _shown(filters), **extra},
    )


def _label(visits, stations: dict):
    """Each visit with its station's name and its visitors in words, for the table."""
    for visit in visits:
        visit.station_name = stations.get(visit.station_key, str(visit.station_key))
        visit.visitor_text = exports.visitor_names(visit)
    return visits


@login_required
def comfort_ledger(request):
    actor = request.user
    juris = _reader(actor)
    form, filters = _filters(request, actor)
    rows = selectors.comfort_ledger(actor, **filters)
    if request.GET.get("export") == "xlsx":
        return start_ledger_export(request, actor, exports.COMFORT, filters)
    page = paginate(request, rows)
    lines, total = selectors.comfort_totals(rows)
    stations = selectors.station_names(juris.low, juris.high)
    _label(page.object_list, stations)
    _audit(actor, juris, filters, COMFORT_PAGE, page_no=page.number)
    return render(
        request,
        "visits/comfort_ledger.html",
        {
            "form": form,
            "page": page,
            "lines": lines,
            "total": total,
            "query": query_without_page(request, "export"),
            "stations": stations,
        },
    )


@login_required
def comfort_print(request):
    """The ledger on A4 paper for signing: at most PRINT_LIMIT rows."""
    actor = request.user
    juris = _reader(actor)
    _form, filters = _filters(request, actor)
    rows = selectors.comfort_ledger(actor, **filters)
    count = rows.count()
    if count > PRINT_LIMIT:
        messages.error(request, PRINT_TOO_LARGE.format(count=count, limit=PRINT_LIMIT))
        return redirect(f"{reverse('visits:comfort_ledger')}?{request.GET.urlencode()}")
    lines, total = selectors.comfort_totals(rows)
    stations = selectors.station_names(juris.low, juris.high)
    station = stations.get(filters["station_key"]) if filters["station_key"] else None
    visits = _label(list(rows), stations)
    _audit(actor, juris, filters, COMFORT_PAGE + ".print", rows=count)
    return render(
        request,
        "visits/comfort_print.html",
        {
            "visits": visits,
            "lines": lines,
            "total": total,
            "unit": station or juris.region_name,
            "filters": filters,
            "printed_at": timezone.localtime(),
        },
    )


# --- budget lines (经费来源) -----------------------------------------------------------------


class BudgetLineForm(GuardedForm):
    name = forms.CharField(label="经费来源名称", max_length=100, validators=[refuse_hidden])


@login_required
def budget_lines(request):
    """The budget lines in force where the actor works and within her jurisdiction; county
    level and above see the form adding one for their region and retire their own."""
    actor = request.user
    juris = _reader(actor)
    can_keep = can_keep_budget_lines(actor)
    return _lines_page(request, actor, juris, can_keep, BudgetLineForm() if can_keep else None)


def _lines_page(request, actor, juris, can_keep, form):
    lines = list(selectors.budget_lines_for(actor))
    for line in lines:
        line.mine = can_keep and juris.contains(line.region_key) and line.retired_at is None
    return render(
        request,
        "visits/budget_lines.html",
        {"lines": lines, "form": form, "can_keep": can_keep},
    )


@login_required
def budget_line_new(request):
    """Add a budget line for the actor's region (county level and above)."""
    actor = request.user
    juris = _reader(actor)
    if not can_keep_budget_lines(actor):
        raise PermissionDenied(errors.NOT_BUDGET_KEEPER)
    form = BudgetLineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            line = services.budget_line_add(actor=actor, name=form.cleaned_data["name"])
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, f"已添加经费来源“{line.name}”。")
            return redirect("visits:budget_lines")
    return _lines_page(request, actor, juris, True, form)


@login_required
@require_POST
def budget_line_retire(request, pk):
    actor = request.user
    _reader(actor)
    line = selectors.budget_lines_for(actor).filter(pk=pk).first()
    if line is None:
        raise Http404("未找到该经费来源，或不在您的辖区内。")
    try:
        services.budget_line_retire(actor=actor, line=line)
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已停用经费来源“{line.name}”；已发放的记录不受影响。")
    return redirect("visits:budget_lines")
