"""Background jobs: progress a page can see while the job's own transaction is open."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from junjia.core import jobs
from junjia.core.models import Job
from junjia.orgs.choices import Role
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
