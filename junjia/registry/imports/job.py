"""The import as a background job: the upload queued with its job, then checked and written
with progress reported, the error report kept as the job's result file."""

from __future__ import annotations

import shutil
import tempfile

from django.core.files.base import ContentFile, File
from django.db import transaction

from junjia.core import audit, jobs, xlsx
from junjia.core.models import Job
from junjia.orgs.api import jurisdiction_of, require_capability
from junjia.registry import roles

from .plan import ImportRefused, ImportRun

JOB_KIND = "registry.import"


def start_import(*, actor, source: xlsx.Source, filename: str, valid_only: bool) -> Job:
    """Queue the import as a job; the file travels with the job row."""
    require_capability(actor, roles.EDIT)
    juris = jurisdiction_of(actor)
    with transaction.atomic():
        job = jobs.job_start(
            actor=actor,
            kind=JOB_KIND,
            title=f"导入服务对象档案：{filename}"[:200],
            region_key=juris.low,
            params={"valid_only": valid_only, "filename": filename[:200]},
        )
        content = ContentFile(source) if isinstance(source, bytes) else File(source)
        job.result_file.save(f"registry-import-{job.pk}.xlsx", content, save=True)
    return job


@jobs.register(JOB_KIND)
def run_import(job: Job, progress, workers: int | None = None) -> dict:
    actor = job.started_by
    # The upload is read from an unnamed temporary copy (gone with this process, whatever
    # happens) and not kept in storage; it is never held in memory whole.
    upload = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    with job.result_file.open("rb") as handle:
        shutil.copyfileobj(handle, upload, 1 << 20)
    job.result_file.delete(save=True)
    progress(0, 0, "正在逐行校验并写入……")
    with upload, ImportRun(actor, upload, prepare=True, workers=workers) as run:
        result = run.execute(
            valid_only=bool(job.params.get("valid_only")), job=job, progress=progress
        )
        plan = run.plan
        if result is None:
            _save_report(job, run)
            raise ImportRefused(
                f"有 {plan.error_count} 行错误，按您的选择未导入任何数据。请下载错误报告，"
                "修改后重新上传。"
            )
        if plan.error_count or plan.warning_count:
            _save_report(job, run)
        done = "导入完成。" + ("错误行和警告见结果文件（错误报告）。" if plan.error_count else "")
        progress(plan.valid_count, plan.valid_count, done)
    # Seal the new audit rows into the hash chain now, not at the next periodic run.
    audit.seal_pending()
    return result


def _save_report(job: Job, run: ImportRun) -> None:
    with tempfile.TemporaryFile() as handle:
        run.error_report(target=handle)
        handle.seek(0)
        job.result_file.save(f"registry-import-report-{job.pk}.xlsx", File(handle), save=True)
