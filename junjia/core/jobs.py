"""Background jobs a person starts and watches: one task entry point, handlers by kind.

A handler is `handler(job, progress)`; it reports with `progress(done, total, message)` and
returns a result dict. The job row is the single source of progress for pages and the API.

A process that dies while running a job (killed, its machine restarted) cannot mark the job
failed. The runner therefore holds a mark for as long as it runs — a PostgreSQL advisory lock
on a connection of its own, a file lock on SQLite — which the database server or the kernel
lets go of when the process dies, however it dies; `reap_abandoned` (every minute, from the
scheduler) finishes the record of a running job whose mark nobody holds (ADR 0022). Every
handler that writes does so in one transaction, so such a job wrote nothing — unless it had
committed: a handler records its result with `commit_result` inside that transaction, and a
job with a result is finished as succeeded.
"""

import fcntl
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .models import Job, JobStatus

log = logging.getLogger("junjia.jobs")

_HANDLERS: dict[str, Callable] = {}

ABANDONED = (
    "处理中断：执行任务的后台进程意外退出（如服务器重启或进程被终止），任务未完成，"
    "未写入任何数据。请重新发起。"
)


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


def commit_result(job: Job, result: dict) -> None:
    """Record the result inside the handler's own transaction, just before it commits: if the
    process dies after the commit, the job is then known to have finished."""
    Job.objects.filter(pk=job.pk).update(result=result)


# --- the runner's mark ---------------------------------------------------------------------------


def _lock_key(job_id) -> int:
    """The advisory lock's 64-bit key: the first half of the job's UUID."""
    return int.from_bytes(uuid.UUID(str(job_id)).bytes[:8], "big", signed=True)


def _mark_path(job_id):
    return settings.VAR_DIR / "jobs" / f"{uuid.UUID(str(job_id))}.lock"


@contextmanager
def _runner_mark(job_id) -> Iterator[bool]:
    """Held while the block runs (True), or not had because another process holds it
    (False). PostgreSQL: a session advisory lock on a connection of its own, outside the
    pool, so that closing it — or the process's death — lets go of the lock. SQLite (one
    machine): an exclusive lock on a file under VAR_DIR/jobs/."""
    if connection.vendor == "postgresql":
        base = connections[DEFAULT_DB_ALIAS]
        options = {k: v for k, v in base.settings_dict["OPTIONS"].items() if k != "pool"}
        side = base.__class__({**base.settings_dict, "OPTIONS": options}, DEFAULT_DB_ALIAS)
        try:
            with side.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(job_id)])
                yield cursor.fetchone()[0]
        finally:
            side.close()
        return
    path = _mark_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            path.unlink(missing_ok=True)  # before the lock is let go of


def _runner_alive(job_id) -> bool:
    """Whether a process holds the job's mark (taken and let go of at once if not)."""
    if connection.vendor == "postgresql":
        key = _lock_key(job_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cursor.fetchone()[0]:
                return True
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return False
    try:
        handle = open(_mark_path(job_id), "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    _mark_path(job_id).unlink(missing_ok=True)  # left by the dead runner
    return False


def reap_abandoned() -> int:
    """Finish the record of every running job whose runner is gone: succeeded when its
    handler had committed its result (`commit_result`), else failed (ABANDONED: its
    transaction was rolled back with its process). Conditional updates on the running
    status, so a job that finishes meanwhile, or a second pass, is left as it is. Returns
    the number of jobs finished here."""
    reaped = 0
    now = timezone.now()
    for pk in list(Job.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True)):
        if _runner_alive(pk):
            continue
        running = Job.objects.filter(pk=pk, status=JobStatus.RUNNING)
        done = running.exclude(result={}).update(
            status=JobStatus.SUCCEEDED, done=F("total"), finished_at=now, updated_at=now
        )
        failed = 0
        if not done:
            failed = running.update(
                status=JobStatus.FAILED, message=ABANDONED, finished_at=now, updated_at=now
            )
        if done or failed:
            reaped += 1
            log.warning(
                "job abandoned by its process",
                extra={"job": str(pk), "outcome": "succeeded" if done else "failed"},
            )
    return reaped


@task()
def run_job(job_id: str) -> None:
    with _runner_mark(job_id) as held:
        if held:
            _run(job_id)


def _run(job_id: str) -> None:
    # The mark is held before the job shows as running, so a running job without it is dead.
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
