"""Progress of a background job, polled by htmx while it runs."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from junjia.core import audit
from junjia.core.context import Refusal, note_refusal
from junjia.core.models import AuditAction, AuditEntry, Job
from junjia.core.pages import render_page

from ..permissions import get_for_actor
from ..roles import JOB_VIEW


def _get_job(request, pk) -> Job:
    job = get_for_actor(Job.objects.select_related("started_by"), request.user, JOB_VIEW, pk=pk)
    # A job's result may hold personal data: only its starter may see it.
    if job.started_by_id != request.user.pk:
        note_refusal(
            Refusal(
                attempt="object",
                object_type="core.job",
                object_id=str(job.pk),
                capability=JOB_VIEW,
                region_key=job.region_key,
            )
        )
        raise Http404("未找到该任务。")
    return job


DOWNLOAD = "core.job.download"


def _record_download(request, job) -> None:
    """Every download of a result file is audited; a second and later download of the same
    export is a security event (the file holds personal data and was already handed out)."""
    earlier = AuditEntry.objects.filter(object_type=DOWNLOAD, object_id=str(job.pk)).count()
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT if earlier == 0 else AuditAction.SECURITY,
        object_type=DOWNLOAD,
        object_id=str(job.pk),
        object_repr=job.result_file.name.rsplit("/", 1)[-1],
        region_key=job.region_key,
        extra={"kind": job.kind, "download": earlier + 1}
        | ({"attempt": "export.redownload"} if earlier else {}),
    )


@login_required
def job_detail(request, pk):
    job = _get_job(request, pk)
    return render_page(request, "orgs/job_detail.html", {"job": job}, partial="status")


@login_required
def job_file(request, pk):
    job = _get_job(request, pk)
    if not job.result_file or not job.is_finished:
        raise Http404("没有可下载的文件。")
    _record_download(request, job)
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=job.result_file.name.rsplit("/", 1)[-1],
    )
