"""Log-in, log-out, password change and the TOTP second factor (GB/T 22239-2019 §8.1.4.1)."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from .. import auth_services
from ..errors import OrgsError
from ..forms_auth import LoginForm, PasswordChangeForm, TokenForm
from ..middleware import IDLE_TIMEOUT, needs_second_factor, password_expired
from ..models import SecurityPolicy


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _to(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class LoginView(auth_views.LoginView):
    template_name = "orgs/login.html"
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.GET.get("timeout") == "1":
            context["timeout_message"] = IDLE_TIMEOUT
        if self.request.GET.get("elsewhere") == "1":
            context["elsewhere_message"] = auth_services.ENDED_ELSEWHERE
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        auth_services.session_start(
            user=form.get_user(), session_key=self.request.session.session_key
        )
        return response

    def form_invalid(self, form):
        # Only a real attempt (both fields given, refused by authenticate) is audited.
        if form.non_field_errors():
            auth_services.login_failed_record(
                actor=self.request.user,
                username=(form.data.get("username") or "").strip(),
                locked_out=bool(getattr(self.request, "axes_locked_out", False)),
            )
        return super().form_invalid(form)


@require_POST
def logout(request):
    if request.user.is_authenticated:
        auth_services.session_end(user=request.user, session_key=request.session.session_key)
    auth_logout(request)
    messages.success(request, "您已安全退出。")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters()
@never_cache
@login_required
def password_change(request):
    user = request.user
    next_url = _next_url(request)
    if needs_second_factor(user) and not user.is_verified():
        return redirect(_to("otp_verify", request.get_full_path()))
    policy = SecurityPolicy.current()
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        old_key = request.session.session_key
        try:
            auth_services.password_change(
                actor=user,
                new_password=form.cleaned_data["new_password1"],
                keep_session_key=old_key,
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, user)
            auth_services.session_rekey(
                user=user, old_key=old_key, new_key=request.session.session_key
            )
            messages.success(request, "密码已修改。")
            return redirect(next_url)
    if user.must_change_password:
        reason = "首次登录须先修改密码。"
    elif password_expired(user, policy):
        reason = f"密码已超过 {policy.max_age_days} 天未修改，请修改密码后继续使用。"
    else:
        reason = ""
    return render(
        request,
        "orgs/password_change.html",
        {"form": form, "policy": policy, "reason": reason, "next": next_url},
    )


def _qr_svg(device) -> str:
    qr = segno.make(device.config_url, error="m")
    # Inline SVG markup: no script, no style attribute, so the CSP allows it.
    return mark_safe(  # noqa: S308 (segno output, no user text)
        qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=True)
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def otp_setup(request):
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user):
        return redirect(next_url)
    if auth_services.confirmed_device(user) is not None:
        if not user.is_verified():
            # Binding a second device needs the first one: a password alone is not enough.
            return redirect(_to("otp_verify", next_url))
        messages.info(request, auth_services.OTP_ALREADY_BOUND)
        return redirect(next_url)
    device = auth_services.otp_device_begin(actor=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = auth_services.otp_device_confirm(actor=user, token=form.cleaned_data["token"])
        except OrgsError as exc:
            form.add_error("token", str(exc))
        else:
            otp_login(request, device)
            messages.success(request, "动态口令已绑定，以后每次登录都须输入。")
            return redirect(next_url)
    return render(
        request,
        "orgs/otp_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "next": next_url,
        },
    )


@never_cache
@login_required
def otp_verify(request):
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user) or user.is_verified():
        return redirect(next_url)
    if auth_services.confirmed_device(user) is None:
        return redirect(_to("otp_setup", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = auth_services.otp_verify(actor=user, token=form.cleaned_data["token"])
        except OrgsError as exc:
            form.add_error("token", str(exc))
        else:
            otp_login(request, device)
            return redirect(next_url)
    return render(request, "orgs/otp_verify.html", {"form": form, "next": next_url})
