"""Staff pages of visits recorded (走访记录, issue 13 "Recording a visit"): recording a
visit from a campaign member (prefilled) or from a person, one visit, a person's visits,
and the visit ledger (走访台账) per station with its Excel export (a background job). Names
are shown with masked identity numbers only; every page of personal data is one audit row."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from junjia.cases import api as cases_api
from junjia.core import audit, clock, personal
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction
from junjia.core.pages import paginate, query_without_page, show_refusal
from junjia.orgs.api import can_reach, has_capability, jurisdiction_of
from junjia.registry.api import get_recipient_for_actor

from . import errors, exports, roles, selectors
from .choices import SITUATIONS
from .coverage_views import contact_context
from .models import VisitPhoto
from .permissions import get_campaign_for_actor, get_member_for_actor, get_visit_for_actor
from .recording import SIGNATURE_FIELDS, eligible_visitors, visit_record, visitors_within
from .visit_forms import LedgerFilter, NeedCaseForm, VisitForm

NOT_A_READER = "您没有查看走访记录的权限。"
NOT_A_CASE_CLERK = "您没有接件（办理政务服务事项）的权限。"
# Form fields the service names otherwise.
FIELD_OF = {"money_fen": "money"}
LEDGER_PAGE = "visits.ledger"


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
    if visitors_within(recipient, [request.user.pk]):
        initial["visitors"] = [request.user.pk]
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        staff=eligible_visitors(recipient),
        budget_lines=selectors.budget_lines_where(recipient.region_key),
    )
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
            messages.success(request, recorded_message(visit))
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


def recorded_message(visit) -> str:
    note = "，已计入走访计划" if visit.counted else ""
    unsigned = "。慰问未签收，请补拍签收单" if visit.comfort_given and not visit.is_signed else ""
    return f"已记录对{visit.recipient.name}的走访{note}{unsigned}。"


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


def _record_view(*, actor, obj, region_key, page: str, **extra) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=obj,
        region_key=region_key,
        extra={"page": page, **extra},
    )


def case_source(visit) -> tuple[str, str]:
    """How a case opened from this visit names it (cases keep it and link back)."""
    day = timezone.localtime(visit.visited_at).strftime("%Y-%m-%d")
    return f"visits:{visit.pk}", f"走访记录 {day}"


@login_required
def visit_detail(request, pk):
    actor = request.user
    _require_reader(actor)
    visit = get_visit_for_actor(actor, pk)
    _record_view(actor=actor, obj=visit, region_key=visit.region_key, page="visits.visit_detail")
    situations = [(label, getattr(visit, name)) for name, label in SITUATIONS]
    # Sent from the phone (the page's script records through the API, then opens the visit):
    # the same message the form's own post gives.
    if request.GET.get("recorded") == "1" and visit.recorded_by_id == actor.pk:
        messages.success(request, recorded_message(visit))
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "situations": situations,
            "photos": list(visit.photos.all()),
            "cases": cases_api.cases_from_source(actor, case_source(visit)[0]),
            "can_open_case": cases_api.can_open_cases(actor),
        },
    )


def _serve_image(request, visit, file, what: str, **extra):
    """A visit's image through the scope check (get_visit_for_actor answered 404 outside
    the jurisdiction), never a public media URL; each one served is a view in the audit
    log, as the registry's documents are."""
    _record_view(
        actor=request.user,
        obj=visit,
        region_key=visit.region_key,
        page="visits.visit_file",
        file=what,
        **extra,
    )
    name = file.name.lower()
    response = FileResponse(
        file.open("rb"), content_type="image/png" if name.endswith(".png") else "image/jpeg"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def visit_photo(request, pk, photo):
    actor = request.user
    _require_reader(actor)
    visit = get_visit_for_actor(actor, pk)
    found = get_object_or_404(VisitPhoto, pk=photo, visit=visit)
    return _serve_image(request, visit, found.image, "photo", photo=found.pk)


@login_required
def visit_signature(request, pk, which):
    """The drawn signature (which=signature) or the signed form's photo (signed_form_photo)."""
    actor = request.user
    _require_reader(actor)
    visit = get_visit_for_actor(actor, pk)
    if which not in SIGNATURE_FIELDS or not getattr(visit, which):
        raise Http404("该走访记录没有这项签收。")
    return _serve_image(request, visit, getattr(visit, which), which)


@login_required
def visit_case_new(request, pk):
    """A need found on the visit opened as a case for the person (cases.api), linked both
    ways: the case names the visit as its source, the visit lists the cases opened from it."""
    actor = request.user
    _require_reader(actor)
    visit = get_visit_for_actor(actor, pk)
    if not cases_api.can_open_cases(actor):
        raise PermissionDenied(NOT_A_CASE_CLERK)
    form = NeedCaseForm(
        request.POST or None,
        items=cases_api.items_for(actor),
        initial={"need": visit.needs_found},
    )
    if request.method == "POST" and form.is_valid():
        ref, label = case_source(visit)
        try:
            opened = cases_api.case_open_for_need(
                actor=actor,
                item_code=form.cleaned_data["item"],
                recipient=visit.recipient,
                need=form.cleaned_data["need"],
                source_ref=ref,
                source_label=label,
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request, f"已为{visit.recipient.name}接件，办件编号 {opened['number']}。"
            )
            return redirect(opened["link"])
    return render(request, "visits/visit_case_form.html", {"form": form, "visit": visit})


@login_required
def person_visits(request, recipient):
    actor = request.user
    _require_reader(actor)
    person = get_recipient_for_actor(actor, recipient)
    page = paginate(request, selectors.visits_for(actor).filter(recipient=person))
    _record_view(
        actor=actor,
        obj=person,
        region_key=person.region_key,
        page="visits.person_visits",
        page_no=page.number,
    )
    return render(
        request,
        "visits/person_visits.html",
        {
            "person": person,
            "page": page,
            "can_record": can_reach(actor, roles.RECORD, person.region_key),
            "events": selectors.events_for(actor, recipient=person, state="all")[:50],
            "today": clock.today(),
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
        return start_ledger_export(request, actor, exports.VISITS, filters)
    page = paginate(request, rows)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="visits.visit",
        object_repr="走访台账",
        region_key=juris.low,
        extra={"page": LEDGER_PAGE, "page_no": page.number, "filter": _shown(filters)},
    )
    return render(
        request,
        "visits/ledger.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request, "export"),
            "stations": selectors.station_names(juris.low, juris.high),
        },
    )


def _shown(filters: dict) -> dict:
    """The ledger's filters for an audit row (dates as text)."""
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}
    return personal.mask_params(shown)


def start_ledger_export(request, actor, ledger: str, filters: dict):
    """Queue the export job (exports.py) and show its progress page."""
    try:
        job = exports.start_export(actor=actor, ledger=ledger, filters=filters)
    except DomainError as exc:
        messages.error(request, str(exc))
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    messages.success(request, "已开始导出，完成后可在此页下载。")
    return redirect("orgs:job_detail", pk=job.pk)
