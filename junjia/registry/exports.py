"""Excel export of a recipient list or ledger (台账) as a background job.

Numbers are masked unless the user holds registry.export_full and asks for full numbers;
every export writes one audit row (the filter or ledger, whether numbers were full, the row
count); every cell is neutralised against formula injection by the xlsx kit; the file is
downloadable only by the person who started the job (orgs job pages).
"""

import tempfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from junjia.core import audit, jobs, personal, xlsx
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction, Job
from junjia.orgs.api import has_capability, jurisdiction_of, require_capability
from junjia.registry import roles

from . import selectors
from .choices import DISABILITY_CATEGORIES, Category, DisabilityGrade
from .models import RECIPIENT_ID, RECIPIENT_PHONE, Ledger
from .selectors import SearchParams

JOB_KIND = roles.EXPORT
SHEET = "服务对象名单"
FULL_DENIED = "您没有导出完整证件号码和电话的权限。"
NO_JURISDICTION = "您没有所属服务站，不能导出。"

COLUMNS = (
    "身份证号码",
    "姓名",
    "性别",
    "出生日期",
    "户籍所在地",
    "户籍所在地区划代码",
    "手机号码",
    "类别",
    "政治面貌",
    "文化程度",
    "入伍时间",
    "退役时间",
    "安置方式",
    "困难状况",
    "参战参试",
    "建国前参加革命的老战士",
    "空巢/独居",
    "外出务工家庭",
    "档案状态",
    "去世日期",
    "最近核实时间",
)


class ExportError(DomainError):
    pass


def start_export(
    *, actor, params: SearchParams, ledger: Ledger | None = None, full: bool = False
) -> Job:
    """Queue an export of what the search (or ledger) shows this user."""
    require_capability(actor, roles.EXPORT)
    if full and not has_capability(actor, roles.EXPORT_FULL):
        raise PermissionDenied(FULL_DENIED)
    juris = jurisdiction_of(actor)
    if juris is None:
        raise ExportError(NO_JURISDICTION)
    title = f"导出台账：{ledger.name}" if ledger else "导出服务对象名单"
    return jobs.job_start(
        actor=actor,
        kind=JOB_KIND,
        title=(title + ("（完整号码）" if full else ""))[:200],
        region_key=juris.low,
        params={
            "query": params.as_query(),
            "ledger": ledger.pk if ledger else None,
            "ledger_name": ledger.name if ledger else "",
            "full": bool(full),
        },
    )


def _categories(recipient) -> str:
    parts = []
    for membership in recipient.categories.all():
        text = Category(membership.category).label
        if membership.category in DISABILITY_CATEGORIES and membership.disability_grade:
            text += f"（{DisabilityGrade(membership.disability_grade).label}）"
        parts.append(text)
    return "、".join(parts)


def _yes(value: bool) -> str:
    return "是" if value else "否"


def export_row(recipient, *, full: bool) -> list:
    """One person as a row: masked numbers unless `full` (already permission-checked)."""
    id_number = RECIPIENT_ID.open(recipient) if full else recipient.id_masked
    phone = RECIPIENT_PHONE.open(recipient) if full else recipient.phone_masked
    verified = recipient.last_verified_at
    return [
        id_number,
        recipient.name,
        recipient.get_gender_display(),
        recipient.birth_date,
        recipient.household_region.full_name,
        recipient.household_region.code,
        phone,
        _categories(recipient),
        recipient.get_political_status_display() if recipient.political_status else "",
        recipient.get_education_display() if recipient.education else "",
        recipient.enlistment_date,
        recipient.discharge_date,
        recipient.get_placement_display() if recipient.placement else "",
        recipient.get_hardship_display() if recipient.hardship else "",
        _yes(recipient.combat_veteran),
        _yes(recipient.pre1949_veteran),
        _yes(recipient.empty_nest),
        _yes(recipient.migrant_family),
        recipient.get_status_display(),
        recipient.death_date,
        timezone.localtime(verified).strftime("%Y-%m-%d %H:%M") if verified else "",
    ]


@jobs.register(JOB_KIND)
def run_export(job: Job, progress) -> dict:
    actor = job.started_by
    full = bool(job.params.get("full"))
    # Checked again: a role may have been taken away while the job waited.
    if not has_capability(actor, roles.EXPORT):
        raise ExportError("您没有导出服务对象名单的权限。")
    if full and not has_capability(actor, roles.EXPORT_FULL):
        raise ExportError(FULL_DENIED)
    params = SearchParams.from_query(job.params.get("query") or {})
    queryset = (
        selectors.filtered(actor, params)
        .select_related("household_region")
        .prefetch_related("categories")
        .order_by(*selectors.SORTS[params.sort])
    )
    total = queryset.count()
    progress(0, total, f"正在导出 {total} 人……")
    written = 0

    def rows():
        nonlocal written
        for recipient in queryset.iterator(chunk_size=2000):
            yield export_row(recipient, full=full)
            written += 1
            progress(written)

    with tempfile.TemporaryFile() as handle:
        xlsx.write_workbook([(SHEET, COLUMNS, rows())], target=handle)
        handle.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        with transaction.atomic():
            job.result_file.save(f"registry-export-{stamp}.xlsx", File(handle), save=True)
            juris = jurisdiction_of(actor)
            ledger = job.params.get("ledger")
            audit.record(
                actor=actor,
                action=AuditAction.EXPORT,
                object_type="registry.recipient",
                object_repr=(
                    f"导出台账“{job.params.get('ledger_name')}”（{written} 人）"
                    if ledger
                    else f"导出服务对象名单（{written} 人）"
                ),
                region_key=juris.low if juris else None,
                extra={
                    "filter": personal.mask_params(params.as_query()),
                    "ledger": ledger,
                    "ledger_name": job.params.get("ledger_name", ""),
                    "rows": written,
                    "full_numbers": full,
                    "job": str(job.pk),
                },
            )
            result = {"导出人数": written, "号码": "完整" if full else "已脱敏"}
            jobs.commit_result(job, result)  # with the file and its audit row
    progress(written, written, "导出完成，请下载结果文件。")
    return result
