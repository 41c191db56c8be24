"""新建档案 (a new draft file), the identity-number preview, and 档案转移申请."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from junjia.core import clock
from junjia.core.errors import DomainError
from junjia.core.personal import IdNumberError, age_on
from junjia.orgs.api import require_capability
from junjia.registry import roles

from .. import errors, services
from ..forms import RecipientCreateForm, TransferRequestForm

# Which field a service refusal belongs to, so the message stands next to it.
_FIELD_OF = {errors.HOUSEHOLD_LEVEL: "household", errors.OUTSIDE: "household"}


def _preview(raw: str) -> dict:
    raw = (raw or "").strip()
    if not raw:
        return {}
    try:
        parsed = services.check_id_number(raw)
    except IdNumberError as exc:
        return {"error": str(exc)}
    return {
        "gender": "男" if parsed.gender == "M" else "女",
        "birth_date": parsed.birth_date,
        "age": age_on(parsed.birth_date, clock.today()),
        "warnings": parsed.warnings,
        "converted": parsed.value if parsed.converted_from_15 else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def recipient_create(request):
    actor = request.user
    require_capability(actor, roles.EDIT)
    form = RecipientCreateForm(request.POST or None, actor=actor)
    duplicate = None
    transfer_form = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recipient, warnings = services.recipient_register(
                actor=actor,
                household_region=data["household"],
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
            )
        except errors.DuplicateRecipient as exc:
            duplicate = exc
            if not exc.in_jurisdiction:
                transfer_form = TransferRequestForm(
                    initial={"id_number": data["id_number"]},
                    actor=actor,
                    initial_region=data["household"].code,
                )
            form.add_error("id_number", f"已在“{exc.station_name}”建档。")
        except DomainError as exc:
            form.add_error(_FIELD_OF.get(str(exc)), str(exc))
        else:
            messages.success(
                request,
                f"已为 {recipient.name} 建档（草稿）。请补全各项信息和类别后提交审核。",
            )
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("registry:recipient_detail", pk=recipient.pk)
    preview = _preview(request.POST.get("id_number")) if request.method == "POST" else {}
    if preview.get("error") and form.has_error("id_number"):
        preview = {}  # the same message already stands under the field
    return render(
        request,
        "registry/recipient_create.html",
        {
            "form": form,
            "preview": preview,
            "duplicate": duplicate,
            "transfer_form": transfer_form,
        },
    )


@login_required
@require_POST
def recipient_preview(request):
    """htmx: gender, birth date and warnings derived from the number as it is typed (POST,
    so the number never appears in a URL or an access log)."""
    require_capability(request.user, roles.EDIT)
    return render(
        request,
        "registry/recipient_create.html#preview",
        {"preview": _preview(request.POST.get("id_number"))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request):
    """The receiving side asks for a file held elsewhere, by the person's identity number
    (the clerk has the person and their papers in front of them)."""
    actor = request.user
    require_capability(actor, roles.TRANSFER)
    posted = request.method == "POST"
    form = TransferRequestForm(request.POST if posted else None, actor=actor)
    if posted and form.is_valid():
        data = form.cleaned_data
        recipient = services.find_by_id_number(data["id_number"])
        if recipient is None:
            form.add_error("id_number", "系统中没有该身份证号码的档案，请直接新建档案。")
        else:
            try:
                services.transfer_request(
                    actor=actor,
                    recipient=recipient,
                    to_region=data["to_region"],
                    reason=data["reason"],
                )
            except DomainError as exc:
                field = "to_region" if str(exc) == errors.TRANSFER_TARGET else None
                form.add_error(field, str(exc))
            else:
                station = services.holding_station_name(recipient)
                messages.success(
                    request,
                    f"已提出档案转移申请，待迁出地“{station}”或共同上级审批。",
                )
                return redirect("registry:transfer_list")
    return render(
        request,
        "registry/transfer_new.html",
        {"form": form},
    )
