"""Excel in and out: the template, upload with a row-by-row preview, the import job, and the
export of a list or ledger (each a background job with progress on the job page)."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from junjia.core import xlsx
from junjia.core.errors import DomainError
from junjia.core.navigation import NavItem, register
from junjia.core.text import GuardedForm
from junjia.orgs.api import has_capability, require_capability
from junjia.registry import roles

from .. import exports, imports, ledgers
from ..selectors import SearchParams, search
from .search import describe

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SALT = "registry.import"
_TOKEN_AGE = 3600
# Above this size the rows are checked by the job only (a request must stay short).
PREVIEW_MAX_BYTES = 3 * 1024 * 1024


class UploadForm(GuardedForm):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        error_messages={"required": "请选择要上传的 .xlsx 文件。", "empty": "上传的文件是空的。"},
    )


class ConfirmForm(GuardedForm):
    token = forms.CharField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label="有错误行时",
        choices=[
            ("all_or_nothing", "全部不导入（有任何错误即放弃，不写入任何数据）"),
            ("valid_only", "只导入正确的行（错误行跳过，见错误报告）"),
        ],
        widget=forms.RadioSelect,
        initial="all_or_nothing",
    )


class ExportForm(GuardedForm):
    full = forms.BooleanField(
        label="导出完整身份证号码和手机号码（将记入审计日志）", required=False
    )


def _download(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def import_template(request):
    require_capability(request.user, roles.EDIT)
    return _download(imports.template_bytes(), "recipient-import-template.xlsx")


def _payload(request, token: str) -> dict:
    try:
        payload = signing.loads(token, salt=_SALT, max_age=_TOKEN_AGE)
    except signing.BadSignature as exc:
        raise Http404("上传已过期，请重新上传文件。") from exc
    if payload.get("user") != request.user.pk or not default_storage.exists(payload["path"]):
        raise Http404("未找到上传的文件。")
    return payload


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Step 1: upload; every row is checked (nothing written) and the errors shown."""
    require_capability(request.user, roles.EDIT)
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_mb": imports.MAX_UPLOAD_BYTES // 1024 // 1024}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.MAX_UPLOAD_BYTES:
            form.add_error("file", f"文件超过 {context['max_mb']} MB 的上限，未导入任何数据。")
        else:
            # Read from the upload's own file (a large one is on disk), not into memory.
            try:
                if upload.size <= PREVIEW_MAX_BYTES:
                    plan, report = imports.plan_import(request.user, upload, workers=0)
                else:
                    plan, report = imports.quick_check(request.user, upload), None
            except (xlsx.XlsxError, imports.ImportRefused) as exc:
                form.add_error("file", str(exc))
            else:
                key = uuid.uuid4().hex
                upload.seek(0)
                stored = default_storage.save(f"uploads/registry-{key}.xlsx", upload)
                report_path = ""
                if report is not None and (plan.error_count or plan.warning_count):
                    report_path = default_storage.save(
                        f"uploads/registry-{key}-report.xlsx", ContentFile(report)
                    )
                token = signing.dumps(
                    {
                        "path": stored,
                        "report": report_path,
                        "user": request.user.pk,
                        "name": upload.name[:150],
                    },
                    salt=_SALT,
                )
                context.update(
                    plan=plan,
                    checked=report is not None,
                    token=token,
                    confirm=ConfirmForm(initial={"token": token}),
                    filename=upload.name,
                )
    status = 400 if form.errors else 200
    return render(request, "registry/excel_import.html", context, status=status)


@login_required
def import_report(request):
    """The preview's full error report (sheet, row, column, value, reason, warning)."""
    require_capability(request.user, roles.EDIT)
    payload = _payload(request, request.GET.get("token", ""))
    if not payload.get("report") or not default_storage.exists(payload["report"]):
        raise Http404("没有错误报告。")
    with default_storage.open(payload["report"], "rb") as handle:
        return _download(handle.read(), "recipient-import-errors.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_confirm(request):
    """Step 2: the chosen mode; the import runs as a job and its page shows the progress."""
    require_capability(request.user, roles.EDIT)
    if request.method == "GET":
        return redirect("registry:import")
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择有错误行时的处理方式。")
        return redirect("registry:import")
    payload = _payload(request, form.cleaned_data["token"])
    with default_storage.open(payload["path"], "rb") as handle:
        job = imports.start_import(
            actor=request.user,
            source=handle,
            filename=payload["name"],
            valid_only=form.cleaned_data["mode"] == "valid_only",
        )
    for key in ("path", "report"):
        if payload.get(key):
            default_storage.delete(payload[key])
    return redirect("orgs:job_detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def export(request):
    """Export what the search page shows (same GET parameters), or a ledger (?ledger=id)."""
    require_capability(request.user, roles.EXPORT)
    ledger = None
    if request.GET.get("ledger"):
        ledger = ledgers.get_ledger_for_actor(request.user, request.GET["ledger"])
        params = SearchParams.from_query(ledger.params)
    else:
        params = SearchParams.from_query(request.GET)
    can_full = has_capability(request.user, roles.EXPORT_FULL)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        full = form.cleaned_data["full"]
        if full and not can_full:
            messages.error(request, exports.FULL_DENIED)
        else:
            try:
                job = exports.start_export(
                    actor=request.user, params=params, ledger=ledger, full=full
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("orgs:job_detail", pk=job.pk)
    page = search(request.user, params, page_size=1)
    return render(
        request,
        "registry/excel_export.html",
        {
            "form": form,
            "can_full": can_full,
            "ledger": ledger,
            "description": describe(params.as_query(), request.user),
            "count_text": page.count_text,
            "query": request.GET.urlencode(),
        },
    )


urlpatterns = [
    path("excel/import/", import_upload, name="import"),
    path("excel/import/confirm/", import_confirm, name="import_confirm"),
    path("excel/import/report/", import_report, name="import_report"),
    path("excel/import/template/", import_template, name="import_template"),
    path("excel/export/", export, name="export"),
]

register(NavItem("服务对象", "导入导出", "registry:import", roles.EDIT, order=26))
