"""通知: my notifications (deadlines, work handed to me as B, returned materials, bad ratings),
marking them read, and the bell in the top bar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from junjia.core import notifications as notes
from junjia.core.models import Notification
from junjia.core.pages import paginate, query_without_page


def _mine(user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


@login_required
def notifications(request):
    actor = request.user
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
        count = notes.mark_read(actor, [int(i) for i in ids] if ids else None)
        messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
        return redirect("cases:notifications")
    show = "unread" if request.GET.get("show") == "unread" else ""
    qs = _mine(actor)
    if show:
        qs = qs.filter(read_at__isnull=True)
    return render(
        request,
        "cases/work_notifications.html",
        {
            "rows": paginate(request, qs, per_page=30),
            "query": query_without_page(request),
            "show": show,
            "unread": _mine(actor).filter(read_at__isnull=True).count(),
        },
    )


@login_required
def notification_open(request, pk):
    """Mark one notification read and go where it points (only to a page of this site)."""
    note = _mine(request.user).filter(pk=pk).first()
    if note is None:
        raise Http404("未找到该通知。")
    notes.mark_read(request.user, [note.pk])
    link = note.link
    if (
        link
        and link.startswith("/")
        and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()})
    ):
        return redirect(link)
    return redirect("cases:notifications")


@login_required
def bell(request):
    """htmx: the unread count in the top bar."""
    count = _mine(request.user).filter(read_at__isnull=True).count()
    return render(request, "cases/_notifications.html#bell", {"unread": count})
