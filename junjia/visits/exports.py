"""Excel exports of the visit ledger (走访台账) and the comfort-money ledger (慰问金台账) as
background jobs (core.jobs, progress every 500 rows), so a county exports its whole ledger.
The rows are read with the starter's scope when the job runs (a role taken away meanwhile
stops it); masked identity numbers, never a phone number; one export audit row with the
file; the file is downloadable only by the person who started the job (orgs job pages)."""

import datetime as dt
import tempfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from junjia.core import audit, jobs, personal, xlsx
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction, Job
from junjia.orgs.api import has_capability, jurisdiction_of

from . import roles, selectors

JOB_KIND = "visits.ledger_export"
VISITS, COMFORT = "visits", "comfort"
TITLES = {VISITS: "走访台账", COMFORT: "慰问金台账"}
NOT_A_READER = "您没有查看走访记录的权限。"
NO_JURISDICTION = "您没有所属服务站，不能导出。"

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
COMFORT_COLUMNS = (
    "走访日期",
    "服务站",
    "姓名",
    "身份证号码（脱敏）",
    "慰问金（元）",
    "经费来源",
    "慰问品",
    "走访人员",
    "走访计划",
    "签收",
)
TOTAL_COLUMNS = ("经费来源", "人次", "慰问金（元）")


class ExportError(DomainError):
    pass


def visitor_names(visit) -> str:
    names = [u.full_name or u.username for u in visit.visitors.all()]
    if visit.volunteer_visitors:
        names.append(visit.volunteer_visitors)
    return "、".join(names)


def ledger_row(visit, stations: dict) -> list:
    """One visit in the visit ledger: the masked identity number, never a phone number."""
    return [
        timezone.localtime(visit.visited_at).strftime("%Y-%m-%d %H:%M"),
        stations.get(visit.station_key, str(visit.station_key)),
        visit.recipient.name,
        visit.recipient.id_masked,
        visit.get_how_display(),
        visitor_names(visit),
        visit.met,
        visit.campaign.name if visit.campaign_id else "",
        visit.needs_found,
        visit.money_yuan,
        visit.budget_line,
        visit.goods,
        visit.recorded_by.full_name or visit.recorded_by.username,
    ]


def comfort_row(visit, stations: dict) -> list:
    """One comfort given: the masked identity number and whether the recipient signed."""
    return [
        timezone.localtime(visit.visited_at).strftime("%Y-%m-%d"),
        stations.get(visit.station_key, str(visit.station_key)),
        visit.recipient.name,
        visit.recipient.id_masked,
        visit.money_yuan,
        visit.budget_line or ("" if visit.money_fen else selectors.NO_BUDGET_LINE),
        visit.goods,
        visitor_names(visit),
        visit.campaign.name if visit.campaign_id else "",
        "已签收" if visit.is_signed else "未签收",
    ]


# --- filters as job parameters ------------------------------------------------------------


def filters_to_params(filters: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items()}


def params_to_filters(params: dict) -> dict:
    filters = dict(params)
    for name in ("start", "end"):
        if filters.get(name):
            filters[name] = dt.date.fromisoformat(filters[name])
    return filters


def start_export(*, actor, ledger: str, filters: dict) -> Job:
    """Queue the export of what the ledger page shows this user with these filters."""
    if not has_capability(actor, roles.VIEW):
        raise ExportError(NOT_A_READER)
    juris = jurisdiction_of(actor)
    if juris is None:
        raise ExportError(NO_JURISDICTION)
    return jobs.job_start(
        actor=actor,
        kind=JOB_KIND,
        title=f"导出{TITLES[ledger]}",
        region_key=juris.low,
        params={"ledger": ledger, "filters": filters_to_params(filters)},
    )


def _rows(actor, ledger: str, filters: dict):
    if ledger == COMFORT:
        return selectors.comfort_ledger(actor, **filters)
    return selectors.ledger(actor, **filters)


@jobs.register(JOB_KIND)
def run_export(job: Job, progress) -> dict:
    actor = job.started_by
    ledger = job.params.get("ledger", VISITS)
    # Checked again: a role may have been taken away while the job waited.
    if not has_capability(actor, roles.VIEW):
        raise ExportError(NOT_A_READER)
    juris = jurisdiction_of(actor)
    if juris is None:
        raise ExportError(NO_JURISDICTION)
    filters = params_to_filters(job.params.get("filters") or {})
    rows = _rows(actor, ledger, filters)
    total = rows.count()
    progress(0, total, f"正在导出 {total} 条……")
    stations = selectors.station_names(juris.low, juris.high)
    row_of = comfort_row if ledger == COMFORT else ledger_row
    written = 0

    def lines():
        nonlocal written
        for visit in rows.iterator(chunk_size=2000):
            yield row_of(visit, stations)
            written += 1
            progress(written)

    sheets = [(TITLES[ledger], COMFORT_COLUMNS if ledger == COMFORT else LEDGER_COLUMNS, lines())]
    if ledger == COMFORT:
        by_line, overall = selectors.comfort_totals(rows)
        totals = [[line["name"], line["visits"], line["money_yuan"]] for line in by_line]
        totals.append(["合计", overall["visits"], overall["money_yuan"]])
        sheets.append(("按经费来源合计", TOTAL_COLUMNS, totals))
    with tempfile.TemporaryFile() as handle:
        xlsx.write_workbook(sheets, target=handle)
        handle.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        with transaction.atomic():
            job.result_file.save(f"{ledger}-ledger-{stamp}.xlsx", File(handle), save=True)
            audit.record(
                actor=actor,
                action=AuditAction.EXPORT,
                object_type="visits.visit",
                object_repr=f"导出{TITLES[ledger]}（{written} 条）",
                region_key=juris.low,
                extra={
                    "ledger": ledger,
                    "filter": personal.mask_params(job.params.get("filters") or {}),
                    "rows": written,
                    "full_numbers": False,
                    "job": str(job.pk),
                },
            )
            result = {"导出条数": written, "身份证号码": "已脱敏"}
            jobs.commit_result(job, result)  # with the file and its audit row
    progress(written, written, "导出完成，请下载结果文件。")
    return result
