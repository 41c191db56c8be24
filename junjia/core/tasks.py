"""Background work of the shared core: sealing the audit chain and verifying it; the one
deadline scan of every workflow; the record of jobs whose process died."""

from django_tasks import task

from . import audit, jobs


@task()
def seal_audit_log() -> int:
    """Frequent and idempotent: appends committed, unsealed audit rows to the chain."""
    return audit.seal_pending()


@task()
def reap_abandoned_jobs() -> int:
    """Every minute and idempotent: finishes the record of jobs whose process died."""
    return jobs.reap_abandoned()


@task()
def scan_deadlines_task() -> dict:
    """Hourly and idempotent: tells each due-soon, overdue and escalated deadline once."""
    from . import deadlines

    return deadlines.scan()


@jobs.register("core.audit_verify")
def verify_audit_chain(job, progress) -> dict:
    progress(0, 0, "正在封存未封存的记录……")
    audit.seal_pending()
    progress(0, 0, "正在逐条校验哈希链……")
    report = audit.verify_chain()
    return {
        "结论": "完整" if report.ok else "异常",
        "已校验记录数": report.checked,
        "首个异常记录": report.first_broken_entry_id or "无",
        "说明": report.reason or "哈希链完整，未发现篡改。",
    }
