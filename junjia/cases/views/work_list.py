"""我的办件 and 办件督办: my open cases (and A's while I am their B), due soonest first; the
head's overdue and due-soon cases with owners, pending extensions and proxy cases."""

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import render

from junjia.cases import roles
from junjia.core.pages import paginate, query_without_page
from junjia.core.workdays import UnknownCalendarYear
from junjia.orgs.api import has_capability, require_capability

from .. import selectors
from . import work_reads as reads

CALENDAR_MISSING = (
    "无法计算“两日内到期”：下一年的节假日安排尚未录入，请系统管理员在“工作日历”中录入。"
)


@login_required
def work(request):
    actor = request.user
    require_capability(actor, roles.VIEW)
    day = reads.today()
    clock = reads.Clock.of_page(request, day)
    mine = selectors.my_work(actor, today=day)
    show = request.GET.get("show", "")
    show = show if show in reads.WORK_FILTERS else ""
    counts = reads.work_counts(mine, actor, clock)
    listed = counts[show or "total"] or 0  # the filter's count is the list's length
    rows = paginate(request, reads.filter_work(mine, show, actor, clock), per_page=50, count=listed)
    rows.object_list = clock.mark(rows.object_list)
    for case in rows.object_list:
        case.due_label = reads.due_text(case)
    q = request.GET.get("q", "").strip()
    found = None
    if q:
        found = clock.mark(reads.find_cases(actor, q))
        for case in found:
            case.due_label = reads.due_text(case)
    reads.record_list(
        actor,
        "work",
        show=show,
        page=rows.number,
        q=q,
        found=len(found) if found is not None else None,
    )
    watch = None
    if has_capability(actor, roles.SUPERVISE):
        try:
            watch = selectors.deadline_counts(actor, today=day)
        except UnknownCalendarYear as exc:
            watch = {"error": str(exc)}
    return render(
        request,
        "cases/work_list.html",
        {
            "day": day,
            "rows": rows,
            "counts": counts,
            "show": show,
            "show_label": reads.WORK_FILTERS.get(show, ""),
            "can_open": has_capability(actor, roles.HANDLE),
            "query": query_without_page(request),
            "q": q,
            "found": found,
            "watch": watch,
            "calendar_error": None if clock.soon_limit() else CALENDAR_MISSING,
        },
    )


@login_required
def supervise(request):
    """办件督办 (000 §7 限时办结): overdue and due-soon cases of the jurisdiction, their owners,
    extensions waiting for approval, and open doorstep and proxy cases."""
    actor = request.user
    require_capability(actor, roles.SUPERVISE)
    day = reads.today()
    clock = reads.Clock.of_page(request, day)
    calendar_error = ""
    try:
        watch = selectors.deadline_watch(actor, today=day)
    except UnknownCalendarYear as exc:
        watch, calendar_error = {"overdue": [], "due_soon": []}, str(exc)
    overdue = clock.mark(watch["overdue"])
    due_soon = clock.mark(watch["due_soon"])
    proxy = clock.mark(reads.proxy_cases(actor))
    for case in (*overdue, *due_soon, *proxy):
        case.due_label = reads.due_text(case)
    every = [*overdue, *due_soon, *proxy]
    prefetch_related_objects(every, "station")
    away = reads.owners_away(every, day)
    reads.record_list(actor, "supervise", shown=len(every))
    return render(
        request,
        "cases/work_supervise.html",
        {
            "day": day,
            "overdue": overdue,
            "due_soon": due_soon,
            "extensions": reads.pending_extensions(actor),
            "proxy": proxy,
            "away": away,
            "calendar_error": calendar_error,
        },
    )
