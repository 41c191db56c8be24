"""Background jobs: progress a page can see while the job's own transaction is open; a job
whose process died is finished on record, failed with nothing written or done as committed."""

import os
import signal
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from junjia.core import jobs
from junjia.core.models import Job, JobStatus
from junjia.orgs.choices import Role
from junjia.orgs.models import Region
from junjia.orgs.tests.factories import make_region, make_staff, make_station


def postgresql_committed(test):
    """A test whose rows are committed (another connection must see them), on PostgreSQL."""
    test = pytest.mark.django_db(transaction=True)(test)
    return pytest.mark.skipif("connection.vendor != 'postgresql'")(test)


@pytest.fixture
def job_and_clerk():
    clerk = make_staff(make_station(make_region("370000", "山东省")), Role.CLERK)
    return Job.objects.create(kind="x", title="导入", started_by=clerk, region_key=1), clerk


def _seen_from_outside(job: Job) -> tuple:
    """The job row as another connection (the progress page's request) reads it."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT done, total, message FROM core_job WHERE id = %s", [job.pk])
            return cursor.fetchone()
    finally:
        other.close()


@postgresql_committed
def test_detached_progress_is_seen_while_the_transaction_is_open(job_and_clerk):
    job, clerk = job_and_clerk
    progress = jobs.Progress(job, every=1)
    with transaction.atomic():
        Job.objects.create(kind="y", title="未提交", started_by=clerk, region_key=1)
        with progress.detached():
            progress(300, 1000, "正在逐行校验并写入……")
            assert _seen_from_outside(job) == (300, 1000, "正在逐行校验并写入……")
        progress(400)  # outside detached(): written in the open transaction, not yet seen
        assert _seen_from_outside(job) == (300, 1000, "正在逐行校验并写入……")
    assert _seen_from_outside(job) == (400, 1000, "正在逐行校验并写入……")
    assert Job.objects.filter(title="未提交").exists()


@postgresql_committed
def test_detached_progress_never_waits_on_a_lock_held_by_the_job_itself(job_and_clerk):
    job, _ = job_and_clerk
    progress = jobs.Progress(job, every=1)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(title="锁住")  # the row is locked until commit
        with progress.detached():
            progress(7, 10)  # skipped after a short wait instead of waiting for ever
    job.refresh_from_db()
    assert (job.title, job.done) == ("锁住", 0)


@pytest.mark.django_db(transaction=True)
def test_detached_progress_outside_a_transaction_writes_as_usual(job_and_clerk):
    job, _ = job_and_clerk
    progress = jobs.Progress(job, every=1)
    with progress.detached():
        progress(5, 10, "进行中")
    job.refresh_from_db()
    assert (job.done, job.total, job.message) == (5, 10, "进行中")
    assert connection.vendor in ("postgresql", "sqlite")


# --- a job whose process dies ------------------------------------------------------------------
#
# The job runs in a forked child process that is killed with SIGKILL, as a worker is when its
# machine restarts or the kernel's OOM killer picks it: nothing in that process runs any more.

DIED = "test.dies"


@jobs.register(DIED)
def _dies_inside_its_transaction(job, progress) -> dict:
    """Writes inside one transaction and waits there to be killed; with params.commit,
    records its result in that transaction, commits, then waits to be killed."""
    with transaction.atomic():
        Region.objects.filter(code="370000").update(name="改名")
        if job.params.get("commit"):
            jobs.commit_result(job, {"已写入": 1})
        else:
            _tell_and_wait(job)
    _tell_and_wait(job)
    return {}


def _tell_and_wait(job) -> None:
    os.write(job.params["fd"], b"x")
    time.sleep(60)


_INHERITED: list = []  # kept alive in the child until os._exit: no finaliser may run on them


def _forget_parent_connections() -> None:
    """In the forked child, as a worker's forked work horse must: open connections of its
    own. Whatever connection or pool the parent still had (another thread's, a pool the
    settings replaced) shares its socket with the parent; using it would run the job in the
    parent's session, and closing it would end that session. So they are set aside, never
    used and never closed (os._exit runs no finaliser)."""
    for conn in connections.all(initialized_only=True):
        _INHERITED.append(conn.connection)
        conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []
        conn.needs_rollback = False
        conn.closed_in_transaction = False
        pools = getattr(type(conn), "_connection_pools", None)
        if pools:
            _INHERITED.append(dict(pools))
            pools.clear()


def _run_and_kill(job: Job, **params) -> None:
    """Run the job in a child process; once the handler has written, check that the job is
    not taken for dead while its process lives, then kill the process."""
    read, write = os.pipe()
    Job.objects.filter(pk=job.pk).update(params={**params, "fd": write})
    connections.close_all()
    if hasattr(connection, "close_pool"):
        connection.close_pool()  # a pooled connection must not be shared with the child
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            _forget_parent_connections()
            jobs.run_job.call(str(job.pk))
        finally:
            os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 1) == b"x"
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        assert jobs.reap_abandoned() == 0  # alive: left alone
        assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)


def _reaped(job: Job) -> Job:
    """The periodic clean-up, as the scheduler queues it, until the server has let go of the
    dead process's session (at once on a local socket; a few tries at most)."""
    from junjia.core import tasks

    for _ in range(50):
        tasks.reap_abandoned_jobs.call()
        job.refresh_from_db()
        if job.status != JobStatus.RUNNING:
            break
        time.sleep(0.1)
    return job


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_process_died_mid_work_is_failed_and_nothing_is_written(job_and_clerk):
    job, _ = job_and_clerk
    Job.objects.filter(pk=job.pk).update(kind=DIED)
    _run_and_kill(job)
    job = _reaped(job)
    assert job.status == JobStatus.FAILED
    assert job.message == jobs.ABANDONED
    assert job.finished_at is not None
    assert Region.objects.get(code="370000").name == "山东省"
    assert _reaped(job).status == JobStatus.FAILED  # a second pass changes nothing


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_process_died_after_its_commit_is_finished(job_and_clerk):
    job, _ = job_and_clerk
    Job.objects.filter(pk=job.pk).update(kind=DIED, total=1)
    _run_and_kill(job, commit=True)
    job = _reaped(job)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"已写入": 1}
    assert Region.objects.get(code="370000").name == "改名"


@pytest.mark.django_db(transaction=True)
def test_queued_and_finished_jobs_are_not_reaped(job_and_clerk):
    job, clerk = job_and_clerk
    done = Job.objects.create(
        kind="x", title="完成", started_by=clerk, region_key=1, status=JobStatus.SUCCEEDED
    )
    assert jobs.reap_abandoned() == 0
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    assert Job.objects.get(pk=done.pk).status == JobStatus.SUCCEEDED
