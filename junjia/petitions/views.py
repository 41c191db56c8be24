"""Staff pages of petitions under /petitions/: the work list, registration, one petition
with its steps and the steps the reader may take now, attachments. A reader who is not a
handler, their head or a leader of the jurisdiction sees that a petition exists (number,
date, status), never what it says; every view is one audit row."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from junjia.core import audit
from junjia.core.clock import today
from junjia.core.errors import DomainError, NotPermitted
from junjia.core.models import AuditAction
from junjia.core.pages import paginate, query_without_page
from junjia.orgs.api import has_capability, stations_in_reach

from . import errors, roles, selectors, services
from .choices import PetitionStatus, Satisfaction, ToldBy
from .forms import ListFilter, PetitionForm, StepForm
from .permissions import can_read_content, can_supervise, get_petition_for_actor
from .workflow import EXTENDABLE, limit

NOT_A_READER = "您没有查看信访件的权限。"
NOT_A_REGISTRAR = "您没有登记信访件的权限。"


def require(actor, capability: str, message: str) -> None:
    if not has_capability(actor, capability):
        raise PermissionDenied(message)


@login_required
def petition_list(request):
    actor = request.user
    require(actor, roles.VIEW, NOT_A_READER)
    form = ListFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.work_list(
        actor,
        day=today(),
        status=data.get("status", ""),
        only_mine=bool(data.get("mine")),
        number=data.get("number", ""),
    )
    page = paginate(request, rows)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="petitions.petition",
        object_repr=f"信访件列表第 {page.number} 页",
        extra={"page": "petitions.list", "ids": [p.pk for p in page.object_list]},
    )
    return render(
        request,
        "petitions/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "running": selectors.RUNNING,
            "can_register": has_capability(actor, roles.HANDLE),
        },
    )


def _input(form: PetitionForm) -> services.PetitionInput:
    d = form.cleaned_data
    return services.PetitionInput(
        channel=d["channel"],
        received_on=d["received_on"],
        petitioner_name=d["petitioner_name"],
        id_number=d["id_number"],
        phone=d.get("phone") or "",
        address=d.get("address") or "",
        matter_type=d["matter_type"],
        matter=d["matter"],
        demands=d["demands"],
        is_group=d.get("is_group") or False,
        people_count=d.get("people_count") or 1,
        representatives=d.get("representatives") or "",
        skips_level=d.get("skips_level") or False,
        attachments=d.get("attachments") or [],
    )


@login_required
def petition_new(request):
    actor = request.user
    require(actor, roles.HANDLE, NOT_A_REGISTRAR)
    form = PetitionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            petition, first = services.petition_register(actor=actor, data=_input(form))
        except NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        except DomainError as exc:
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            if first is not None:
                messages.warning(
                    request,
                    f"该信访人就同一事项已有信访件 {first.number}（{first.handling_station.name}"
                    f"办理），本次登记为重复信访（{petition.number}），已并入首件。",
                )
                return redirect("petitions:detail", pk=petition.pk)
            messages.success(
                request,
                f"已登记信访件 {petition.number}，查询码 {petition.query_code}，"
                f"请告知信访人凭查询码和身份证号码查询办理进度。",
            )
            return redirect("petitions:detail", pk=petition.pk)
    return render(request, "petitions/form.html", {"form": form})


def _actions(actor, petition) -> dict:
    """What the reader may do now, for the buttons (the same rule as the API's `allowed`)."""
    steps = services.steps_for(actor, petition)
    supervise = can_supervise(actor, petition)
    lower = []
    if any(to == PetitionStatus.HANDED_DOWN for to, _ in steps):
        handling = petition.handling_station
        lower = list(
            stations_in_reach(actor, roles.VIEW).filter(region__parent_id=handling.region_id)
        )
    return {
        "moves": steps,
        "can_extend": supervise and petition.status in EXTENDABLE and not petition.extension_days,
        "extension_max": limit("extension_max"),
        "leaders": list(services.leader_candidates(petition)) if supervise else [],
        "lower_stations": lower,
        "told_choices": ToldBy.choices,
        "satisfaction_choices": Satisfaction.choices,
    }


@login_required
def petition_detail(request, pk):
    actor = request.user
    require(actor, roles.VIEW, NOT_A_READER)
    petition = get_petition_for_actor(actor, pk)
    readable = can_read_content(actor, petition)
    services.record_view(actor, petition, readable=readable, page="petitions.detail")
    context = {
        "petition": petition,
        "readable": readable,
        "restricted": errors.NO_CONTENT,
        "running": selectors.RUNNING,
    }
    if readable:
        context |= {
            "steps": selectors.steps_of(petition),
            "repeats": selectors.repeats_of(petition),
            "attachments": list(petition.attachments.all()),
            **_actions(actor, petition),
        }
    else:  # taking up a review or recheck asked of the reader's station needs no content
        context["moves"] = services.steps_for(actor, petition)
    return render(request, "petitions/detail.html", context)


@login_required
@require_POST
def petition_act(request, pk):
    """One step, an extension or naming the leader; a refusal is shown naming the field."""
    actor = request.user
    require(actor, roles.VIEW, NOT_A_READER)
    petition = get_petition_for_actor(actor, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        for field, problems in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label or '操作'}：{'；'.join(problems)}")
        return redirect("petitions:detail", pk=petition.pk)
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    to = data.pop("to")
    try:
        done = services.petition_act(actor=actor, petition=petition, action=to, data=data)
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        field = getattr(exc, "field", None)
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{exc}" if label else str(exc))
    else:
        messages.success(request, done)
    return redirect("petitions:detail", pk=petition.pk)


@login_required
def attachment(request, pk, attachment_id):
    actor = request.user
    require(actor, roles.VIEW, NOT_A_READER)
    petition = get_petition_for_actor(actor, pk)
    if not can_read_content(actor, petition):
        raise PermissionDenied(errors.NO_CONTENT)
    found = petition.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise Http404("未找到该附件。")
    services.record_view(actor, petition, readable=True, page=f"petitions.attachment:{found.pk}")
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
