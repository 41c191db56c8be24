"""Background jobs a person starts and watches: one task entry point, handlers by kind.

A handler is `handler(job, progress)`; it reports with `progress(done, total, message)` and
returns a result dict. The job row is the single source of progress for pages and the API.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .models import Job, JobStatus

_HANDLERS: dict[str, Callable] = {}


def register(kind: str):
    def decorator(func):
        _HANDLERS[kind] = func
        return func

    return decorator


def job_start(*, actor, kind: str, title: str, region_key: int, params: dict) -> Job:
    """Create the job row and queue it once the surrounding transaction commits."""
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job.objects.create(
        kind=kind, title=title, started_by=actor, region_key=region_key, params=params
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id) -> None:
    result = run_job.enqueue(str(job_id))
    Job.objects.filter(pk=job_id).update(task_result_id=str(result.id)[:64])


class Progress:
    """Writes progress at most every `every` items so bulk work is not slowed by it.

    A handler that does its work inside one long transaction (an import that must write all
    or nothing) wraps it in `with progress.detached():` — on PostgreSQL the progress is then
    written over a second, autocommitting connection, so the page sees it while the work's
    own transaction is still open. (SQLite allows one writer at a time: there the handler
    reports before and after its transaction instead.)"""

    def __init__(self, job: Job, every: int = 500):
        self.job = job
        self.every = every
        self._last = -every
        self._side = None

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        if total is not None:
            self.job.total = total
        self.job.done = done
        if message is not None:
            self.job.message = message
        if done - self._last >= self.every or done == self.job.total or message is not None:
            self._last = done
            if self._side is not None:
                self._write_aside()
                return
            Job.objects.filter(pk=self.job.pk).update(
                done=self.job.done,
                total=self.job.total,
                message=self.job.message,
                updated_at=timezone.now(),
            )

    @contextmanager
    def detached(self):
        if connection.vendor != "postgresql" or not connection.in_atomic_block:
            yield self
            return
        self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            yield self
        finally:
            side, self._side = self._side, None
            side.close()

    def _write_aside(self) -> None:
        """Progress is for watching: if the job's own transaction has locked its row, this
        report is skipped (after at most a second) rather than waiting for that transaction,
        which would wait for this one."""
        meta = Job._meta
        column = {n: meta.get_field(n).column for n in ("done", "total", "message", "updated_at")}
        try:
            with self._side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute(
                    f"UPDATE {meta.db_table} SET {column['done']} = %s, "  # noqa: S608
                    f"{column['total']} = %s, {column['message']} = %s, "
                    f"{column['updated_at']} = %s WHERE {meta.pk.column} = %s",
                    [self.job.done, self.job.total, self.job.message, timezone.now(), self.job.pk],
                )
        except OperationalError:
            return


@task()
def run_job(job_id: str) -> None:
    updated = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, updated_at=timezone.now()
    )
    if not updated:
        return  # already taken by another worker, or finished: safe to run twice
    job = Job.objects.get(pk=job_id)
    try:
        result = _HANDLERS[job.kind](job, Progress(job)) or {}
    except Exception as exc:
        message = (
            str(exc)
            if _is_domain(exc)
            else "处理失败，请联系系统管理员。错误类型：" + exc.__class__.__name__
        )
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            message=message,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not _is_domain(exc):
            raise
        return
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        result=result,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
        done=F("total"),
    )


def _is_domain(exc: Exception) -> bool:
    from .errors import DomainError

    return isinstance(exc, DomainError)
