"""Staff accounts: list, create with a one-time password, edit roles, disable, reset."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from junjia.core import audit
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction
from junjia.core.pages import paginate, query_without_page

from .. import selectors, services
from ..choices import Role
from ..forms import StaffForm
from ..permissions import can_reach, require_capability
from ..roles import STAFF_MANAGE, STAFF_VIEW


@login_required
def staff_list(request):
    require_capability(request.user, STAFF_VIEW)
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    active = request.GET.get("active", "1")
    page = paginate(request, selectors.staff_list(request.user, q=q, role=role, active=active))
    return render(
        request,
        "orgs/staff_list.html",
        {
            "page": page,
            "q": q,
            "role": role,
            "active": active,
            "roles": Role.choices,
            "query": query_without_page(request),
            "can_manage": can_reach(request.user, STAFF_MANAGE, request.user.region_key),
        },
    )


@login_required
def staff_detail(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk)
    audit.record(
        actor=request.user, action=AuditAction.VIEW, obj=person, subject_id=f"staff:{person.pk}"
    )
    return render(
        request,
        "orgs/staff_detail.html",
        {
            "person": person,
            "can_manage": can_reach(request.user, STAFF_MANAGE, person.region_key),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    require_capability(request.user, STAFF_MANAGE)
    stations = selectors.station_queryset(request.user)
    form = StaffForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.staff_create(
                actor=request.user,
                station=data["station"],
                username=data["username"],
                full_name=data["full_name"],
                office_phone=data["office_phone"],
                roles=data["roles"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return render(
                request, "orgs/staff_password.html", {"person": user, "password": password}
            )
    return render(
        request,
        "orgs/staff_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk, capability=STAFF_MANAGE)
    stations = selectors.station_queryset(request.user)
    initial = {
        "username": person.username,
        "full_name": person.full_name,
        "office_phone": person.office_phone,
        "station": person.station_id,
        "roles": sorted(person.role_codes),
    }
    form = StaffForm(request.POST or None, initial=initial, stations=stations, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_update(
                actor=request.user,
                user=person,
                full_name=data["full_name"],
                office_phone=data["office_phone"],
                roles=data["roles"],
                station=data["station"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:staff_detail", pk=person.pk)
    return render(
        request,
        "orgs/staff_form.html",
        {"form": form, "person": person, "creating": False},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def staff_set_active(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk, capability=STAFF_MANAGE)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(actor=request.user, user=person, active=active)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "账号已启用。" if active else "账号已停用，其所有登录会话已结束。"
        )
    return redirect("orgs:staff_detail", pk=person.pk)


@login_required
@require_POST
def staff_reset_password(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk, capability=STAFF_MANAGE)
    password = services.staff_reset_password(actor=request.user, user=person)
    return render(
        request, "orgs/staff_password.html", {"person": person, "password": password, "reset": True}
    )
