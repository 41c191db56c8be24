"""Excel import of townships and villages (code, name, parent code) with a row-by-row report.

Validation runs on upload and shows a preview; the commit runs as a background job that
re-validates (the tree may have changed meanwhile) and either imports nothing when any row
fails or imports the valid rows, as the user chose.
"""

from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction

from junjia.core import audit, jobs, xlsx
from junjia.core.models import AuditAction, Job

from . import errors
from .choices import Level, RegionSource
from .codes import CodeError
from .models import Region
from .permissions import can_reach
from .roles import REGION_MANAGE
from .services import region_build

SHEET = "区划"
HEADERS = ("区划代码", "名称", "上级区划代码")
INSTRUCTIONS = [
    "乡镇（街道）、村（社区）区划导入模板",
    "1. 在“区划”工作表中每行填写一个区划：区划代码、名称、上级区划代码。",
    "2. 乡镇（街道）代码为 12 位统计用区划代码（前 9 位 + 000），上级为县级 6 位代码。",
    "3. 村（社区）代码为 12 位，上级为所属乡镇的 12 位代码。",
    "4. 同一文件中，上级可以是本文件中前面或后面的行。代码已存在且名称不同的，按新名称更新。",
    "5. 只能导入您辖区内的区划。",
]


def template_bytes() -> bytes:
    example = [("370202001000", "示例街道", "370202"), ("370202001001", "示例社区", "370202001000")]
    return xlsx.write_workbook([(SHEET, HEADERS, example)], instructions=INSTRUCTIONS)


@dataclass
class Plan:
    creates: list[tuple[int, str, str, str]] = field(
        default_factory=list
    )  # row, code, name, parent
    renames: list[tuple[int, str, str]] = field(default_factory=list)  # row, code, new name
    unchanged: int = 0
    errors: list[xlsx.RowError] = field(default_factory=list)

    @property
    def valid_count(self) -> int:
        return len(self.creates) + len(self.renames) + self.unchanged


def _cell(values: tuple, index: int) -> str:
    if index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def plan_import(actor, data: bytes) -> Plan:
    """Validate every row; returns what would be created or renamed, and the errors."""
    plan = Plan()
    rows: list[tuple[int, str, str, str]] = []
    seen: dict[str, int] = {}
    bad_codes: set[str] = set()
    for number, values in xlsx.read_rows(data, SHEET, fallback_to_first=True):
        code, name, parent_code = (_cell(values, i) for i in range(3))
        errors_before = len(plan.errors)
        for column, value in zip(HEADERS, (code, name, parent_code), strict=True):
            if xlsx.is_formula(value):
                plan.errors.append(
                    xlsx.RowError(SHEET, number, column, value, "不接受公式，请填写数值")
                )
                break
        else:
            if not code:
                plan.errors.append(xlsx.RowError(SHEET, number, "区划代码", "", "区划代码不能为空"))
            elif not name:
                plan.errors.append(xlsx.RowError(SHEET, number, "名称", "", "名称不能为空"))
            elif not parent_code:
                plan.errors.append(
                    xlsx.RowError(SHEET, number, "上级区划代码", "", "上级区划代码不能为空")
                )
            elif code in seen:
                plan.errors.append(
                    xlsx.RowError(SHEET, number, "区划代码", code, f"与第 {seen[code]} 行重复")
                )
            else:
                seen[code] = number
                rows.append((number, code, name, parent_code))
        if len(plan.errors) > errors_before and code and code not in seen:
            bad_codes.add(code)
    codes = {r[1] for r in rows} | {r[3] for r in rows}
    existing = {r.code: r for r in Region.objects.filter(code__in=codes)}
    in_file = {code: (number, name, parent) for number, code, name, parent in rows}
    for number, code, name, parent_code in rows:
        if parent_code in bad_codes:
            plan.errors.append(
                xlsx.RowError(
                    SHEET, number, "上级区划代码", parent_code, "上级区划所在行有错误，无法导入"
                )
            )
            continue
        error = _check_row(actor, code, name, parent_code, existing, in_file)
        if error:
            column, reason = error
            value = {"区划代码": code, "名称": name, "上级区划代码": parent_code}[column]
            plan.errors.append(xlsx.RowError(SHEET, number, column, value, reason))
        elif code in existing:
            if existing[code].name != name:
                plan.renames.append((number, code, name))
            else:
                plan.unchanged += 1
        else:
            plan.creates.append((number, code, name, parent_code))
    # A row whose in-file parent failed cannot be created either.
    failed = {e.row for e in plan.errors}
    failed_codes = {code for number, code, _, _ in rows if number in failed}
    kept = []
    for item in plan.creates:
        if item[3] in failed_codes:
            plan.errors.append(
                xlsx.RowError(
                    SHEET, item[0], "上级区划代码", item[3], "上级区划所在行有错误，无法导入"
                )
            )
            failed_codes.add(item[1])
        else:
            kept.append(item)
    plan.creates = kept
    plan.errors.sort(key=lambda e: e.row)
    return plan


def _check_row(actor, code, name, parent_code, existing, in_file) -> tuple[str, str] | None:
    parent = existing.get(parent_code)
    if parent is None and parent_code not in in_file:
        return "上级区划代码", f"上级区划 {parent_code} 不存在"
    if parent is not None:
        parent_level, parent_key_code = parent.level, parent.code
        if not can_reach(actor, REGION_MANAGE, parent.key):
            return "上级区划代码", f"上级区划 {parent_code} 不在您的辖区内"
    else:
        try:
            from .codes import level_of

            parent_level, parent_key_code = level_of(parent_code), parent_code
        except CodeError as exc:
            return "上级区划代码", str(exc)
    try:
        from .codes import check_child

        level = check_child(parent_key_code, parent_level, code)
    except CodeError as exc:
        return "区划代码", str(exc)
    if level < Level.TOWNSHIP:
        return "区划代码", errors.REGION_LEVEL_NOT_MANUAL
    if code in existing and existing[code].parent and existing[code].parent.code != parent_code:
        return (
            "上级区划代码",
            f"区划 {code} 已存在，上级为 {existing[code].parent.code}，不能改为 {parent_code}",
        )
    return None


def start_import(*, actor, data: bytes, filename: str, valid_only: bool) -> Job:
    """Queue the commit as a job; the file travels with the job row."""
    from .permissions import jurisdiction_of

    juris = jurisdiction_of(actor)
    with transaction.atomic():
        job = jobs.job_start(
            actor=actor,
            kind="orgs.region_import",
            title=f"导入区划：{filename}",
            region_key=juris.low,
            params={"valid_only": valid_only, "filename": filename},
        )
        job.result_file.save(f"region-import-{job.pk}.xlsx", ContentFile(data), save=True)
    return job


@jobs.register("orgs.region_import")
def run_import(job: Job, progress) -> dict:
    actor = job.started_by
    with job.result_file.open("rb") as handle:
        data = handle.read()
    progress(0, 0, "正在校验……")
    plan = plan_import(actor, data)
    if plan.errors and not job.params.get("valid_only"):
        report = xlsx.error_report(plan.errors)
        job.result_file.save(f"region-import-errors-{job.pk}.xlsx", ContentFile(report), save=True)
        raise errors.OrgsError(
            f"有 {len(plan.errors)} 行错误，按您的选择未导入任何数据。请下载错误报告。"
        )
    total = len(plan.creates) + len(plan.renames)
    progress(0, total, "正在写入……")
    created = renamed = 0
    with transaction.atomic():
        by_code = {r.code: r for r in Region.objects.filter(code__in={c[3] for c in plan.creates})}
        # Parents first: townships before their villages.
        for number, code, name, parent_code in sorted(plan.creates, key=lambda c: len(c[3])):
            parent = by_code[parent_code]
            region = region_build(parent=parent, code=code, name=name, source=RegionSource.IMPORT)
            region.save(force_insert=True)
            by_code[code] = region
            audit.record(
                actor=actor,
                action=AuditAction.IMPORT,
                obj=region,
                region_key=region.key,
                changes={"code": [None, code], "name": [None, name], "parent": [None, parent_code]},
                extra={"job": str(job.pk), "row": number},
            )
            created += 1
            progress(created + renamed)
        for number, code, name in plan.renames:
            region = Region.objects.select_related("parent").get(code=code)
            old = region.name
            region.name = name
            region.full_name = (region.parent.full_name if region.parent else "") + name
            region.save(update_fields=["name", "full_name"])
            audit.record(
                actor=actor,
                action=AuditAction.IMPORT,
                obj=region,
                region_key=region.key,
                changes={"name": [old, name]},
                extra={"job": str(job.pk), "row": number},
            )
            renamed += 1
            progress(created + renamed)
        result = {
            "新增": created,
            "更名": renamed,
            "无变化": plan.unchanged,
            "跳过的错误行": len(plan.errors),
        }
        jobs.commit_result(job, result)  # a worker dying after the commit leaves it finished
    if plan.errors:
        report = xlsx.error_report(plan.errors)
        job.result_file.save(f"region-import-errors-{job.pk}.xlsx", ContentFile(report), save=True)
    else:
        job.result_file.delete(save=True)
    return result
