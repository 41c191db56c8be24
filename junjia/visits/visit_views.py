"""Staff pages of visits recorded (走访记录, issue 13 "Recording a visit"): recording a
visit from a campaign member (prefilled) or from a person, one visit, a person's visits,
and the visit ledger (走访台账) per station with its Excel export. Names are shown with
masked identity numbers only; every page of personal data is one audit row."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from junjia.core import audit, personal, xlsx
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction
from junjia.core.pages import paginate
from junjia.orgs.api import can_reach, has_capability, jurisdiction_of
from junjia.registry.api import get_recipient_for_actor

from . import errors, roles, selectors
from .choices import SITUATIONS
from .coverage_views import contact_context
from .permissions import get_campaign_for_actor, get_member_for_actor, get_visit_for_actor
from .recording import eligible_visitors, visit_record
from .views import show_refusal
from .visit_forms import LedgerFilter, VisitForm

NOT_A_READER = "您没有查看走访记录的权限。"
# Form fields the service names otherwise.
FIELD_OF = {"money_fen": "money"}
LEDGER_PAGE = "visits.ledger"
EXPORT_LIMIT = 20_000  # rows in one synchronous export; a wider ledger is narrowed first
LEDGER_COLUMNS = (
    "走访时间",
    "服务站",
    "姓名",
    "身份证号码（脱敏）",
    "走访方式",
    "走访人员",
    "接待人",
    "走访计划",
    "了解的需求",
    "慰问金（元）",
    "经费来源",
    "慰问品",
    "记录人",
)


def _require_reader(actor) -> None:
    if not has_capability(actor, roles.VIEW):
        raise PermissionDenied(NOT_A_READER)


def _require_recorder(actor, recipient) -> None:
    if not can_reach(actor, roles.RECORD, recipient.region_key):
        raise PermissionDenied(errors.NOT_VISIT_RECORDER)


def _visit_page(request, recipient, member=None, campaign=None):
    actor = request.user
    _require_recorder(actor, recipient)
    initial = {"visited_at": timezone.localtime().replace(second=0, microsecond=0)}
    if request.user.pk in set(eligible_visitors(recipient).values_list("pk", flat=True)):
        initial["visitors"] = [request.user.pk]
    form = VisitForm(request.POST or None, initial=initial, staff=eligible_visitors(recipient))
    if request.method == "POST" and form.is_valid():
        try:
            visit, _ = visit_record(
                actor=actor,
                recipient=recipient,
                data=form.visit_input(request.POST.get("client_key", "")),
                member=member,
            )
        except DomainError as exc:
            field = FIELD_OF.get(getattr(exc, "field", None), getattr(exc, "field", None))
            exc.field = field
            show_refusal(form, exc)
        else:
            note = "，已计入走访计划" if visit.counted else ""
            messages.success(request, f"已记录对{recipient.name}的走访{note}。")
            return redirect("visits:visit_detail", pk=visit.pk)
    return render(
        request,
        "visits/visit_form.html",
        {
            "form": form,
            "recipient": recipient,
            "member": member,
            "campaign": campaign,
            "client_key": request.POST.get("client_key", "") or _new_key(),
        },
    )


def _new_key() -> str:
    import uuid

    return uuid.uuid4().hex


@login_required
def visit_new_member(request, pk, member):
    """Record a visit to a campaign's member: the person and the campaign prefilled."""
    actor = request.user
    _require_reader(actor)
    campaign = get_campaign_for_actor(actor, pk)
    found = get_member_for_actor(actor, campaign, member)
    return _visit_page(request, found.recipient, member=found, campaign=campaign)


@login_required
def visit_new(request, recipient):
    """Record a visit to a person (it counts for the campaigns due at the time)."""
    actor = request.user
    _require_reader(actor)
    person = get_recipient_for_actor(actor, recipient)
    return _visit_page(request, person)


def _record_view(actor, obj, region_key, page: str, **extra) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=obj,
        region_key=region_key,
        extra={"page": page, **extra},
    )


@login_required
def visit_detail(request, pk):
    actor = request.user
    _require_reader(actor)
    visit = get_visit_for_actor(actor, pk)
    _record_view(actor, visit, visit.region_key, "visits.visit_detail")
    situations = [(label, getattr(visit, name)) for name, label in SITUATIONS]
    return render(
        request,
        "visits/visit_detail.html",
        {"visit": visit, "situations": situations},
    )


@login_required
def person_visits(request, recipient):
    actor = request.user
    _require_reader(actor)
    person = get_recipient_for_actor(actor, recipient)
    page = paginate(request, selectors.visits_for(actor).filter(recipient=person))
    _record_view(actor, person, person.region_key, "visits.person_visits", page_no=page.number)
    return render(
        request,
        "visits/person_visits.html",
        {
            "person": person,
            "page": page,
            "can_record": can_reach(actor, roles.RECORD, person.region_key),
            **contact_context(actor, person),
        },
    )


def _ledger_filters(request, actor):
    campaigns = selectors.campaigns_for(actor)[:200]
    form = LedgerFilter(request.GET or None, campaigns=campaigns)
    data = form.cleaned_data if form.is_valid() else {}
    raw = request.GET.get("station", "")
    return form, {
        "station_key": int(raw) if raw.isdigit() else None,
        "start": data.get("start"),
        "end": data.get("end"),
        "campaign": data.get("campaign"),
        "how": data.get("how") or "",
    }


@login_required
def ledger(request):
    """The visit ledger (走访台账) of the actor's jurisdiction, or one station's."""
    actor = request.user
    _require_reader(actor)
    juris = jurisdiction_of(actor)
    if juris is None:
        raise PermissionDenied(NOT_A_READER)
    form, filters = _ledger_filters(request, actor)
    rows = selectors.ledger(actor, **filters)
    if request.GET.get("export") == "xlsx":
        return _export(request, actor, juris, rows, filters)
    page = paginate(request, rows)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="visits.visit",
        object_repr="走访台账",
        region_key=juris.low,
        extra={"page": LEDGER_PAGE, "page_no": page.number, "filter": _shown(filters)},
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "visits/ledger.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "stations": selectors.station_names(juris.low, juris.high),
        },
    )


def _shown(filters: dict) -> dict:
    """The ledger's filters for an audit row (dates as text)."""
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}
    return personal.mask_params(shown)


def ledger_row(visit, stations: dict) -> list:
    """One visit in the ledger: the masked identity number, never a phone number."""
    visitors = [u.full_name or u.username for u in visit.visitors.all()]
    if visit.volunteer_visitors:
        visitors.append(visit.volunteer_visitors)
    return [
        timezone.localtime(visit.visited_at).strftime("%Y-%m-%d %H:%M"),
        stations.get(visit.station_key, str(visit.station_key)),
        visit.recipient.name,
        visit.recipient.id_masked,
        visit.get_how_display(),
        "、".join(visitors),
        visit.met,
        visit.campaign.name if visit.campaign_id else "",
        visit.needs_found,
        visit.money_yuan,
        visit.budget_line,
        visit.goods,
        visit.recorded_by.full_name or visit.recorded_by.username,
    ]


def _export(request, actor, juris, rows, filters):
    count = rows.count()
    if count > EXPORT_LIMIT:
        messages.error(request, errors.LEDGER_TOO_LARGE.format(count=count, limit=EXPORT_LIMIT))
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    stations = selectors.station_names(juris.low, juris.high)
    data = xlsx.write_workbook(
        [("走访台账", LEDGER_COLUMNS, (ledger_row(v, stations) for v in rows.iterator(2000)))]
    )
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="visits.visit",
        object_repr=f"导出走访台账（{count} 条）",
        region_key=juris.low,
        extra={"filter": _shown(filters), "rows": count, "full_numbers": False},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="visit-ledger-{stamp}.xlsx"'
    return response
