"""The audit log, read by the audit administrator only: search and chain verification."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from junjia.core import jobs, labels
from junjia.core.models import AuditAction, AuditEntry

from ..choices import Level
from ..permissions import jurisdiction_of, region_scope, require_capability
from ..roles import AUDIT_VIEW

PAGE = 50


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def audit_scope(actor) -> Q:
    scope = region_scope(actor, AUDIT_VIEW)
    juris = jurisdiction_of(actor)
    # Events tied to no region (e.g. a failed log-in with an unknown name) belong to the top.
    if juris is not None and juris.level == Level.PROVINCE:
        scope |= Q(region_key__isnull=True)
    return scope


@login_required
def audit_log(request):
    require_capability(request.user, AUDIT_VIEW)
    params = request.GET
    qs = AuditEntry.objects.filter(audit_scope(request.user))
    errors = []
    if actor := params.get("actor", "").strip():
        qs = qs.filter(actor_name=actor)
    if subject := params.get("subject", "").strip():
        qs = qs.filter(subject_id=subject)
    if object_type := params.get("object_type", "").strip():
        qs = qs.filter(object_type__in=labels.labels_of(object_type))
    if action := params.get("action", "").strip():
        qs = qs.filter(action=action)
    start = _parse_date(params.get("start", "")) if params.get("start") else None
    end = _parse_date(params.get("end", "")) if params.get("end") else None
    if params.get("start") and start is None:
        errors.append("开始日期格式应为 YYYY-MM-DD。")
    if params.get("end") and end is None:
        errors.append("结束日期格式应为 YYYY-MM-DD。")
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        qs = qs.filter(
            at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    before = params.get("before", "")
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    # Keyset pagination: the log grows without bound, so no COUNT and no OFFSET.
    rows = list(qs.order_by("-id")[: PAGE + 1])
    has_more = len(rows) > PAGE
    rows = rows[:PAGE]
    for row in rows:
        row.type_label = labels.model_label(row.object_type)
        row.change_rows = [
            (labels.field_label(row.object_type, name), values)
            for name, values in row.changes.items()
        ]
    next_params = params.copy()
    if rows:
        next_params["before"] = str(rows[-1].pk)
    return render(
        request,
        "orgs/audit_log.html",
        {
            "rows": rows,
            "has_more": has_more,
            "next_query": next_params.urlencode(),
            "actions": AuditAction.choices,
            "params": params,
            "errors": errors,
            "types": labels.audited_types(),
        },
    )


@login_required
@require_POST
def audit_verify(request):
    require_capability(request.user, AUDIT_VIEW)
    juris = jurisdiction_of(request.user)
    job = jobs.job_start(
        actor=request.user,
        kind="core.audit_verify",
        title="校验审计日志哈希链",
        region_key=juris.low,
        params={},
    )
    return redirect("orgs:job_detail", pk=job.pk)
