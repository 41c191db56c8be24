"""The security administrator's pages: security policy, log-in lock-outs, second factor."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import auth_selectors, auth_services
from ..errors import OrgsError
from ..forms_auth import SecurityPolicyForm
from ..models import SecurityPolicy, User
from ..permissions import get_for_actor, require_capability
from ..roles import SECURITY_MANAGE

CAPABILITY = SECURITY_MANAGE


def security_admin(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_capability(request.user, CAPABILITY)  # PermissionDenied → 403
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@security_admin
def policy(request):
    current = SecurityPolicy.current()
    form = SecurityPolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        auth_services.security_policy_update(actor=request.user, data=form.cleaned_data)
        messages.success(request, "安全策略已保存。")
        return redirect("security:policy")
    return render(request, "orgs/security_policy.html", {"form": form, "policy": current})


@security_admin
def lockouts(request):
    return render(
        request,
        "orgs/security_lockouts.html",
        {
            "lockouts": auth_selectors.lockouts_for_actor(request.user),
            "policy": SecurityPolicy.current(),
        },
    )


@require_POST
@security_admin
def lockout_release(request):
    username = request.POST.get("username", "").strip()
    try:
        count = auth_services.lockout_release(actor=request.user, username=username)
    except OrgsError as exc:
        messages.error(request, str(exc))
    else:
        if count:
            messages.success(request, f"已解除账号 {username} 的登录锁定。")
        else:
            messages.info(request, f"账号 {username} 当前没有登录失败记录。")
    return redirect("security:lockouts")


@security_admin
def second_factor(request):
    return render(
        request,
        "orgs/security_second_factor.html",
        {"rows": auth_selectors.second_factor_status_for_actor(request.user)},
    )


@require_POST
@security_admin
def second_factor_reset(request, pk: int):
    target = get_for_actor(User.objects.all(), request.user, CAPABILITY, pk=pk)
    try:
        auth_services.otp_reset(actor=request.user, user=target)
    except OrgsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已重置 {target} 的二次验证；其下次登录时须重新绑定动态口令。")
    return redirect("security:second_factor")
