"""Staff accounts: list, create with a one-time password, edit, grant roles, disable, reset.

三员分立 (separation.py): the system administrator manages accounts, the security
administrator grants roles. A refused write is audited by its service and answered here
with the refusal's message and status (core.errors.refusal_status)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from junjia.core import audit
from junjia.core.errors import DomainError, InvalidInput, refusal_status
from junjia.core.models import AuditAction
from junjia.core.pages import paginate, query_without_page

from .. import selectors, separation, services
from ..choices import Role
from ..forms import StaffForm, StaffRolesForm
from ..permissions import can_reach, require_capability
from ..roles import STAFF_MANAGE, STAFF_VIEW

AWAITING_ROLES = "none"  # the staff list's filter for accounts that hold no role yet


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
            "roles": [*Role.choices, (AWAITING_ROLES, "待授权（尚无角色）")],
            "query": query_without_page(request),
            "can_manage": can_reach(request.user, STAFF_MANAGE, request.user.region_key),
        },
    )


def _roles_page_refusal(actor, person):
    """Whether the role page may open for this person: the rules of any change (taking every
    role away is a change for anyone who holds one, so an auditor's page stays shut)."""
    return separation.roles_refusal(actor=actor, target=person, roles=[])


def _detail(request, person, status: int = 200):
    actor = request.user
    return render(
        request,
        "orgs/staff_detail.html",
        {
            "person": person,
            "can_manage": can_reach(actor, STAFF_MANAGE, person.region_key)
            and separation.account_refusal(actor=actor, target=person) is None,
            "can_grant": _roles_page_refusal(actor, person) is None,
        },
        status=status,
    )


@login_required
def staff_detail(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk)
    audit.record(
        actor=request.user, action=AuditAction.VIEW, obj=person, subject_id=f"staff:{person.pk}"
    )
    return _detail(request, person)


def _refused_page(request, person, exc: DomainError):
    messages.error(request, str(exc))
    return _detail(request, person, status=refusal_status(exc))


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    refusal = separation.account_refusal(actor=request.user)
    if refusal is not None:
        if request.method == "POST":
            separation.refused(refusal, actor=request.user, attempt="新增账号")
        raise PermissionDenied(str(refusal))
    stations = selectors.station_queryset(request.user)
    form = StaffForm(request.POST or None, stations=stations)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.staff_create(
                actor=request.user,
                station=data["station"],
                username=data["username"],
                full_name=data["full_name"],
                office_phone=data["office_phone"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            status = refusal_status(exc)
        else:
            return render(
                request, "orgs/staff_password.html", {"person": user, "password": password}
            )
    return render(
        request,
        "orgs/staff_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors and status == 200 else status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk)
    if request.method == "GET" and (
        refusal := separation.account_refusal(actor=request.user, target=person)
    ):
        raise PermissionDenied(str(refusal))
    stations = selectors.station_queryset(request.user)
    initial = {
        "username": person.username,
        "full_name": person.full_name,
        "office_phone": person.office_phone,
        "station": person.station_id,
    }
    form = StaffForm(request.POST or None, initial=initial, stations=stations, editing=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_update(
                actor=request.user,
                user=person,
                full_name=data["full_name"],
                office_phone=data["office_phone"],
                station=data["station"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            status = refusal_status(exc)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:staff_detail", pk=person.pk)
    return render(
        request,
        "orgs/staff_form.html",
        {"form": form, "person": person, "creating": False},
        status=400 if form.errors and status == 200 else status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_roles(request, pk):
    """The security administrator grants or removes a person's roles."""
    person = selectors.get_staff_for_actor(request.user, pk)
    current = sorted(person.role_codes)
    if request.method == "GET" and (refusal := _roles_page_refusal(request.user, person)):
        raise PermissionDenied(str(refusal))
    form = StaffRolesForm(request.POST or None, initial={"roles": current})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_set_roles(
                actor=request.user, user=person, roles=form.cleaned_data["roles"]
            )
        except DomainError as exc:
            field = exc.field if isinstance(exc, InvalidInput) else None
            form.add_error(field, str(exc))
            status = refusal_status(exc)
        else:
            messages.success(request, "角色已保存。")
            return redirect("orgs:staff_detail", pk=person.pk)
    return render(
        request,
        "orgs/staff_roles.html",
        {"form": form, "person": person},
        status=400 if form.errors and status == 200 else status,
    )


@login_required
@require_POST
def staff_set_active(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(actor=request.user, user=person, active=active)
    except DomainError as exc:
        return _refused_page(request, person, exc)
    messages.success(request, "账号已启用。" if active else "账号已停用，其所有登录会话已结束。")
    return redirect("orgs:staff_detail", pk=person.pk)


@login_required
@require_POST
def staff_reset_password(request, pk):
    person = selectors.get_staff_for_actor(request.user, pk)
    try:
        password = services.staff_reset_password(actor=request.user, user=person)
    except DomainError as exc:
        return _refused_page(request, person, exc)
    return render(
        request, "orgs/staff_password.html", {"person": person, "password": password, "reset": True}
    )
