"""Lock-out settings for django-axes, read from the SecurityPolicy, and the lock-out page
(GB/T 22239-2019 §8.1.4.1 b: 登录失败处理, 限制非法登录次数)."""

import datetime as dt

from django.http import JsonResponse
from django.shortcuts import render

from .models import SecurityPolicy

LOCKED_OUT = "连续 {failures} 次登录失败，账号已锁定 {minutes} 分钟。"


def axes_failure_limit(request, credentials) -> int:
    return SecurityPolicy.current().lockout_failures


def axes_cooloff_time(request=None) -> dt.timedelta:
    return dt.timedelta(minutes=SecurityPolicy.current().lockout_minutes)


def lockout_response(request, response, credentials=None, *args, **kwargs):
    policy = SecurityPolicy.current()
    message = LOCKED_OUT.format(failures=policy.lockout_failures, minutes=policy.lockout_minutes)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    return render(
        request,
        "orgs/locked_out.html",
        {
            "message": message,
            "failures": policy.lockout_failures,
            "minutes": policy.lockout_minutes,
        },
        status=429,
    )
