"""档案详情: the person's whole story on one screen, its edit pages, review actions, documents,
revealing a masked number, and the printable contact card (联系服务卡)."""

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from junjia.core import clock
from junjia.core.errors import DomainError, NotPermitted
from junjia.core.personal import age_on
from junjia.orgs.api import Level, has_capability, require_capability
from junjia.registry import roles

from .. import selectors, services, snapshots
from ..choices import ChangeStatus, DocumentKind, FileStatus
from ..forms import (
    ROW_FORMS,
    ChangeSubmitForm,
    DeceasedForm,
    DocumentUploadForm,
    PlanForm,
    ReasonForm,
    RemarkForm,
    list_formset,
    list_items,
    section_form_class,
    section_payload,
)
from ..models import RecipientDocument
from ..permissions import can, get_recipient_for_actor
from ..sections import SECTION_BY_KEY, SECTIONS
from . import reads

STATUS_BADGE = {
    FileStatus.DRAFT: "",
    FileStatus.SUBMITTED: "warn",
    FileStatus.RETURNED: "bad",
    FileStatus.APPROVED: "ok",
    FileStatus.WITHDRAWN: "",
}
LIST_KEYS = ("categories", "honours", "family", "plan")
LIST_LABELS = {key: label for key, (label, _form) in ROW_FORMS.items()} | {"plan": "一人一策"}
APPROVED_EDIT_NOTE = (
    "该档案已通过审核。此处的修改将形成变更申请，提交并经逐级审核通过后生效；"
    "生效前仍以现有信息为准。"
)


def _profile_url(recipient, anchor: str = "") -> str:
    url = reverse("registry:recipient_detail", args=[recipient.pk])
    return f"{url}#{anchor}" if anchor else url


def _display(field, value) -> str:
    if value in (None, ""):
        return ""
    if value is True:
        return "是"
    if value is False:
        return "否"
    choices = dict(getattr(field, "choices", None) or [])
    if choices:
        return str(choices.get(value, value))
    return str(value)


def _section_rows(recipient) -> list[dict]:
    sections = []
    for section in SECTIONS:
        values = snapshots.section_values(recipient, section)
        rows = []
        for name, field in section.form.base_fields.items():
            shown = recipient.phone_masked if name == "phone" else _display(field, values.get(name))
            rows.append((str(field.label), shown))
        sections.append({"key": section.key, "label": section.label, "rows": rows})
    return sections


def edit_mode(actor, recipient, change) -> str:
    """'draft' (edit in place), 'change' (edit into a change request), or '' (read only)."""
    if not can(actor, roles.EDIT, recipient):
        return ""
    if recipient.status in (FileStatus.DRAFT, FileStatus.RETURNED):
        return "draft"
    if recipient.status == FileStatus.APPROVED and not (
        change is not None and change.status == ChangeStatus.SUBMITTED
    ):
        return "change"
    return ""


def _may_review(actor, recipient, obj, change=None) -> bool:
    if obj is None or not can(actor, roles.REVIEW, recipient):
        return False
    if not reads.waiting_for(actor, obj):
        return False
    submitted = reads.last_step(recipient, change, action="提交审核")
    return submitted is None or submitted.actor_id != actor.pk


def _profile_context(request, recipient, revealed=None) -> dict:
    actor = request.user
    change = reads.open_change(recipient)
    mode = edit_mode(actor, recipient, change)
    have = {}
    documents = list(recipient.documents.select_related("uploaded_by"))
    for document in documents:
        have.setdefault(document.kind, True)
        url = reverse("registry:document_file", args=[recipient.pk, document.pk])
        document.preview_url = f"{url}?inline=1"
        document.is_pdf = document.file.name.lower().endswith(".pdf")
    required = [
        {"kind": kind, "label": DocumentKind(kind).label, "have": kind in have}
        for kind in selectors.required_documents(recipient)
    ]
    missing = [d for d in required if not d["have"]]
    returned_step = None
    if recipient.status == FileStatus.RETURNED:
        returned_step = reads.last_step(recipient, None, action="退回")
    change_returned_step = None
    if change is not None and change.status == ChangeStatus.RETURNED:
        change_returned_step = reads.last_step(recipient, change, action="退回")
    file_reviewable = _may_review(actor, recipient, recipient)
    change_reviewable = change is not None and _may_review(actor, recipient, change, change)
    today = clock.today()
    verify_overdue = recipient.status == FileStatus.APPROVED and (
        recipient.last_verified_at is None
        or (timezone.now() - recipient.last_verified_at).days > 365
    )
    waiting = recipient if recipient.status == FileStatus.SUBMITTED else change
    waiting_label = ""
    if waiting is not None and waiting.status == "submitted" and waiting.review_level:
        waiting_label = Level(waiting.review_level).label
    can_edit_cap = can(actor, roles.EDIT, recipient)
    return {
        "r": recipient,
        "age": age_on(recipient.birth_date, recipient.death_date or today),
        "status_class": STATUS_BADGE.get(recipient.status, ""),
        "waiting_label": waiting_label,
        "station": reads.holding_station(recipient),
        "sections": _section_rows(recipient),
        "categories": list(recipient.categories.order_by("category", "start_date", "id")),
        "honours": list(recipient.honours.all()),
        "family": list(recipient.family.all()),
        "required": required,
        "missing": missing,
        "documents": documents,
        "change": change,
        "change_diff": snapshots.diff(change.base, change.proposed) if change else [],
        "change_returned_step": change_returned_step,
        "returned_step": returned_step,
        "steps": list(reads.history(recipient)),
        "events": selectors.timeline(recipient, actor),
        "edit_mode": mode,
        "approved_edit_note": APPROVED_EDIT_NOTE,
        "can_reveal": can(actor, roles.REVEAL, recipient),
        "can_submit": can_edit_cap and recipient.status in (FileStatus.DRAFT, FileStatus.RETURNED),
        "can_withdraw": can_edit_cap
        and recipient.status in (FileStatus.DRAFT, FileStatus.RETURNED)
        and recipient.approved_at is None,
        "can_change_submit": can_edit_cap
        and change is not None
        and change.status in (ChangeStatus.DRAFT, ChangeStatus.RETURNED),
        "file_reviewable": file_reviewable,
        "change_reviewable": change_reviewable,
        "can_verify": can_edit_cap and recipient.status == FileStatus.APPROVED,
        "can_mark_deceased": can_edit_cap
        and recipient.death_date is None
        and recipient.status == FileStatus.APPROVED,
        "can_upload": can_edit_cap and recipient.status != FileStatus.WITHDRAWN,
        "verify_overdue": verify_overdue,
        "revealed": revealed or {},
        "reason_form": ReasonForm(),
        "remark_form": RemarkForm(),
        "deceased_form": DeceasedForm(),
        "change_form": ChangeSubmitForm(),
        "upload_form": DocumentUploadForm(initial={"kind": missing[0]["kind"] if missing else ""}),
        "list_labels": LIST_LABELS,
    }


@login_required
def recipient_detail(request, pk):
    recipient = reads.open_recipient(request.user, pk, page="profile")
    return render(request, "registry/recipient_detail.html", _profile_context(request, recipient))


@login_required
@require_POST
def recipient_reveal(request, pk, field):
    """One click shows one full number; the service checks the permission and audits it."""
    if field not in ("id_number", "phone"):
        raise Http404
    recipient = get_recipient_for_actor(request.user, pk)
    try:
        value = services.recipient_reveal(actor=request.user, recipient=recipient, field=field)
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    if request.htmx:
        masked = recipient.id_masked if field == "id_number" else recipient.phone_masked
        return render(
            request,
            "registry/_masked.html",
            {"r": recipient, "field": field, "masked": masked, "value": value},
        )
    reads.record_recipient_view(request.user, recipient, "profile")
    return render(
        request,
        "registry/recipient_detail.html",
        _profile_context(request, recipient, revealed={field: value}),
    )


def _editable(request, pk, page: str):
    require_capability(request.user, roles.EDIT)
    if request.method == "GET":
        recipient = reads.open_recipient(request.user, pk, page=page)
    else:
        recipient = get_recipient_for_actor(request.user, pk)
    change = reads.open_change(recipient)
    if not edit_mode(request.user, recipient, change):
        raise PermissionDenied("该档案当前不能修改（审核中、已撤回，或不在您的辖区内）。")
    return recipient, change


def _saved_message(request, change_mode: bool, what: str) -> None:
    if change_mode:
        messages.success(request, f"{what}的修改已记入变更申请。请在下方“变更申请”中提交审核。")
    else:
        messages.success(request, f"{what}已保存。")


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, pk, key):
    if key not in SECTION_BY_KEY:
        raise Http404
    recipient, change = _editable(request, pk, page=f"section:{key}")
    section = SECTION_BY_KEY[key]
    working = reads.working_snapshot(recipient, change)
    initial = dict(working["sections"].get(key, {}))
    form_class = section_form_class(key)
    kwargs = {}
    if key == "basic":
        kwargs["masked_phone"] = (initial.pop("phone", None) or {}).get("masked", "")
    form = form_class(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            services.recipient_update_section(
                actor=request.user,
                recipient=recipient,
                section_key=key,
                cleaned=section_payload(key, form.cleaned_data),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            _saved_message(request, recipient.status == FileStatus.APPROVED, section.label)
            return redirect(_profile_url(recipient, f"tab-{key}"))
    return render(
        request,
        "registry/section_edit.html",
        {
            "r": recipient,
            "section": section,
            "form": form,
            "change_mode": recipient.status == FileStatus.APPROVED,
            "approved_edit_note": APPROVED_EDIT_NOTE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_edit(request, pk, key):
    """Categories, honours, family members (rows with add/remove) or the plan text; the whole
    list is posted and replaces the old one (recipient_set_list)."""
    if key not in LIST_KEYS:
        raise Http404
    recipient, change = _editable(request, pk, page=f"list:{key}")
    working = reads.working_snapshot(recipient, change)
    data = request.POST if request.method == "POST" else None
    error = ""
    if key == "plan":
        form = PlanForm(data, initial={"plan": working.get("plan", "")})
    else:
        form = list_formset(key, data=data, initial=working.get(key, []))
    if request.method == "POST" and form.is_valid():
        items = form.cleaned_data["plan"] if key == "plan" else list_items(form)
        try:
            services.recipient_set_list(
                actor=request.user, recipient=recipient, key=key, items=items
            )
        except DomainError as exc:
            error = str(exc)
        else:
            _saved_message(request, recipient.status == FileStatus.APPROVED, LIST_LABELS[key])
            return redirect(_profile_url(recipient, key))
    return render(
        request,
        "registry/list_edit.html",
        {
            "r": recipient,
            "key": key,
            "label": LIST_LABELS[key],
            "form": form,
            "is_plan": key == "plan",
            "error": error,
            "change_mode": recipient.status == FileStatus.APPROVED,
            "approved_edit_note": APPROVED_EDIT_NOTE,
        },
    )


# --- workflow actions (POST only; each calls one service) -----------------------------------


def _act(request, pk, capability: str, action, success: str, anchor: str = ""):
    """Run one service on a file the user may see; a refusal is shown in Chinese on the
    profile and nothing is written (the service runs in one transaction)."""
    recipient = get_recipient_for_actor(request.user, pk)
    require_capability(request.user, capability)
    try:
        message = action(recipient)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message or success)
    return redirect(_profile_url(recipient, anchor))


def _level_label(level) -> str:
    return Level(level).label if level else ""


@login_required
@require_POST
def recipient_submit(request, pk):
    def action(recipient):
        done = services.recipient_submit(actor=request.user, recipient=recipient)
        return f"已提交审核，待{_level_label(done.review_level)}审核。"

    return _act(request, pk, roles.EDIT, action, "已提交审核。")


@login_required
@require_POST
def recipient_withdraw(request, pk):
    def action(recipient):
        services.recipient_withdraw(actor=request.user, recipient=recipient)

    return _act(request, pk, roles.EDIT, action, "档案已撤回（不删除，记录保留）。")


@login_required
@require_POST
def recipient_approve(request, pk):
    form = RemarkForm(request.POST)
    remark = form.cleaned_data["remark"] if form.is_valid() else ""

    def action(recipient):
        if recipient.status == FileStatus.SUBMITTED:
            done = services.recipient_approve(
                actor=request.user, recipient=recipient, remark=remark
            )
            what = "档案"
        else:
            done = services.change_approve(actor=request.user, recipient=recipient, remark=remark)
            what = "变更"
        if done.status == "approved":
            return f"{what}已审核通过，生效。"
        return f"已审核通过，上报{_level_label(done.review_level)}审核。"

    return _act(request, pk, roles.REVIEW, action, "已审核通过。")


@login_required
@require_POST
def recipient_return(request, pk):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def action(recipient):
        if recipient.status == FileStatus.SUBMITTED:
            services.recipient_return(actor=request.user, recipient=recipient, reason=reason)
        else:
            services.change_return(actor=request.user, recipient=recipient, reason=reason)

    return _act(request, pk, roles.REVIEW, action, "已退回，经办人将看到退回原因。")


@login_required
@require_POST
def change_submit(request, pk):
    form = ChangeSubmitForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def action(recipient):
        done = services.change_submit(actor=request.user, recipient=recipient, reason=reason)
        return f"变更已提交审核，待{_level_label(done.review_level)}审核。"

    return _act(request, pk, roles.EDIT, action, "变更已提交审核。")


@login_required
@require_POST
def change_withdraw(request, pk):
    def action(recipient):
        services.change_withdraw(actor=request.user, recipient=recipient)

    return _act(request, pk, roles.EDIT, action, "变更申请已撤回。")


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def recipient_verify(request, pk):
    """核实: the file was checked with the person today (定期更新、动态管理)."""
    recipient = get_recipient_for_actor(request.user, pk)
    require_capability(request.user, roles.EDIT)
    try:
        services.recipient_verify(actor=request.user, recipient=recipient)
    except DomainError as exc:
        if request.htmx:
            return render(
                request,
                "registry/reverification.html#row",
                {"row": recipient, "error": str(exc)},
            )
        messages.error(request, str(exc))
    else:
        if request.htmx:
            recipient.refresh_from_db()
            return render(
                request, "registry/reverification.html#row", {"row": recipient, "done": True}
            )
        messages.success(request, f"已核实 {recipient.name} 的档案。")
    return redirect(_next_url(request, _profile_url(recipient)))


@login_required
@require_POST
def recipient_deceased(request, pk):
    form = DeceasedForm(request.POST)

    def action(recipient):
        if not form.is_valid():
            raise DomainError("；".join(e for errs in form.errors.values() for e in errs))
        services.recipient_mark_deceased(
            actor=request.user, recipient=recipient, death_date=form.cleaned_data["death_date"]
        )
        day = form.cleaned_data["death_date"]
        return f"已登记去世（{day:%Y-%m-%d}）。档案保留，后续走访、待遇等提醒自动停止。"

    return _act(request, pk, roles.EDIT, action, "已登记去世。")


# --- documents ------------------------------------------------------------------------------


@login_required
@require_POST
def document_upload(request, pk):
    recipient = get_recipient_for_actor(request.user, pk)
    require_capability(request.user, roles.EDIT)
    form = DocumentUploadForm(request.POST, request.FILES)
    # Messages shown in the documents section itself: the page opens there (on a phone the
    # top of the page, where other messages go, is out of sight).
    here = DOCUMENTS_SECTION
    if not form.is_valid():
        text = "；".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, text, extra_tags=here)
    else:
        try:
            document = services.document_upload(
                actor=request.user,
                recipient=recipient,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            messages.error(request, str(exc), extra_tags=here)
        else:
            messages.success(request, f"已上传：{document.get_kind_display()}。", extra_tags=here)
    return redirect(_profile_url(recipient, "documents"))


_CONTENT_TYPES = {".pdf": "application/pdf", ".png": "image/png"}
# A message tagged "section-<id>" is shown inside that section of the page, not at the top.
DOCUMENTS_SECTION = "section-documents"


@login_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def document_file(request, pk, doc_pk):
    """Served through the scope check (never a public media URL) and audited as a view;
    ?inline=1 shows it in the page (the reviewer's preview) instead of downloading it."""
    recipient = get_recipient_for_actor(request.user, pk)
    document = get_object_or_404(RecipientDocument, pk=doc_pk, recipient=recipient)
    inline = request.GET.get("inline") == "1"
    reads.record_recipient_view(
        request.user,
        recipient,
        "document",
        document=document.pk,
        kind=document.kind,
        **({"preview": True} if inline else {}),
    )
    name = document.file.name.lower()
    content_type = next(
        (t for ext, t in _CONTENT_TYPES.items() if name.endswith(ext)), "image/jpeg"
    )
    response = FileResponse(
        document.file.open("rb"),
        content_type=content_type,
        as_attachment=not inline,
        filename=document.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def document_delete(request, pk, doc_pk):
    recipient = get_recipient_for_actor(request.user, pk)
    require_capability(request.user, roles.EDIT)
    document = get_object_or_404(RecipientDocument, pk=doc_pk, recipient=recipient)
    try:
        services.document_remove(actor=request.user, document=document)
    except DomainError as exc:
        messages.error(request, str(exc), extra_tags=DOCUMENTS_SECTION)
    else:
        messages.success(
            request,
            f"已删除：{document.get_kind_display()}（{document.original_name}）。",
            extra_tags=DOCUMENTS_SECTION,
        )
    return redirect(_profile_url(recipient, "documents"))


# --- 联系服务卡 -------------------------------------------------------------------------------


def _qr_svg(text: str) -> str:
    import segno

    qr = segno.make(text, error="m")
    # Inline SVG: no script and no style attribute, so the CSP allows it.
    return mark_safe(qr.svg_inline(scale=4, border=2, dark="#000", light="#fff"))  # noqa: S308


@login_required
def recipient_card(request, pk):
    """一人一档一卡一策: the card handed to the person — their station, responsible clerk
    and office phone, and a QR code with the station's name and phone (never the person's
    number)."""
    recipient = reads.open_recipient(request.user, pk, page="card")
    station = reads.holding_station(recipient)
    clerk = recipient.responsible_clerk
    phone = (station.phone or station.hotline) if station else ""
    lines = [station.name if station else "退役军人服务站"]
    if phone:
        lines.append(f"电话：{phone}")
    if station and station.hotline and station.hotline != phone:
        lines.append(f"热线：{station.hotline}")
    if station and station.address:
        lines.append(f"地址：{station.address}")
    return render(
        request,
        "registry/recipient_card.html",
        {
            "r": recipient,
            "station": station,
            "clerk": clerk,
            "clerk_phone": (clerk.office_phone if clerk else "")
            or (station.phone if station else ""),
            "qr": _qr_svg("\n".join(lines)),
            "qr_text": lines,
            "printed_on": clock.today(),
            "can_print": has_capability(request.user, roles.VIEW),
        },
    )
