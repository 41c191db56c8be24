"""Progress of a background job, polled by htmx while it runs."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from junjia.core.models import Job
from junjia.core.pages import render_page

from ..permissions import get_for_actor
from ..roles import JOB_VIEW


def _get_job(request, pk) -> Job:
    job = get_for_actor(Job.objects.select_related("started_by"), request.user, JOB_VIEW, pk=pk)
    # A job's result may hold personal data: only its starter may see it.
    if job.started_by_id != request.user.pk:
        raise Http404("未找到该任务。")
    return job


@login_required
def job_detail(request, pk):
    job = _get_job(request, pk)
    return render_page(request, "orgs/job_detail.html", {"job": job}, partial="status")


@login_required
def job_file(request, pk):
    job = _get_job(request, pk)
    if not job.result_file or not job.is_finished:
        raise Http404("没有可下载的文件。")
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=job.result_file.name.rsplit("/", 1)[-1],
    )
