"""Enforces the security policy on every request: idle timeout, password age, first-login
change, the second factor for the three administrator roles (三员), and the notice to a
browser whose session a newer log-in of the same account ended."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone

from .auth_services import ENDED_ELSEWHERE, session_end, session_end_notice
from .choices import ADMIN_ROLES
from .models import SecurityPolicy

# Paths a user who must act first (change password, set up or pass TOTP) may still reach.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/v1/schema", "/public/")
LAST_SEEN = "junjia_last_seen"
# Write the last-seen time at most this often, so a busy page does not save the session on
# every request; the timeout is therefore exact to within this many seconds.
_TOUCH_SECONDS = 30

IDLE_TIMEOUT = "长时间无操作，已自动退出，请重新登录。"
MUST_CHANGE_PASSWORD = "首次登录须先修改密码。"  # noqa: S105 (a message)
PASSWORD_EXPIRED = "密码已超过 {days} 天未修改，请先修改密码。"  # noqa: S105
SECOND_FACTOR_REQUIRED = "管理员账号须先完成二次验证（动态口令）。"


def needs_second_factor(user) -> bool:
    return any(role in user.role_codes for role in ADMIN_ROLES)


def password_expired(user, policy: SecurityPolicy) -> bool:
    if user.password_changed_at is None:
        return True
    return (timezone.now() - user.password_changed_at).days >= policy.max_age_days


def pending_step(user, policy: SecurityPolicy) -> tuple[str, str] | None:
    """What the user must do before anything else: (url name, message), or None.
    The second factor comes first, so a stolen password alone cannot change the password."""
    if needs_second_factor(user) and not user.is_verified():
        return "otp_verify", SECOND_FACTOR_REQUIRED
    if user.must_change_password:
        return "password_change", MUST_CHANGE_PASSWORD
    if password_expired(user, policy):
        return "password_change", PASSWORD_EXPIRED.format(days=policy.max_age_days)
    return None


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _refuse(request, url: str, message: str):
    """A JSON 403 for the API, an HX-Redirect for htmx fragments, a redirect otherwise."""
    if _is_api(request):
        return JsonResponse(
            {"detail": message}, status=403, json_dumps_params={"ensure_ascii": False}
        )
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _with_next(url: str, request, **params) -> str:
    if request.method == "GET":
        params["next"] = request.get_full_path()
    return f"{url}?{urlencode(params)}" if params else url


class SecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and request.session.session_key is not None:
            response = self._enforce(request, user)
            if response is not None:
                return response
        elif not user.is_authenticated:
            response = self._ended_elsewhere(request)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def _ended_elsewhere(request):
        """The browser still sends the cookie of a session a newer log-in ended: say so once
        (on the log-in page, or in the API's answer)."""
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not key or request.path.startswith(("/static/", "/healthz")):
            return None
        if not session_end_notice(session_key=key[:40]):
            return None
        login = reverse("login")
        url = f"{login}?elsewhere=1" if request.path == login else None
        return _refuse(request, url or _with_next(login, request, elsewhere=1), ENDED_ELSEWHERE)

    def _enforce(self, request, user):
        policy = SecurityPolicy.current()
        now = timezone.now().timestamp()
        last_seen = request.session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen > policy.idle_minutes * 60:
            return self._time_out(request, user)
        if last_seen is None or now - last_seen >= _TOUCH_SECONDS:
            request.session[LAST_SEEN] = now
        if request.path.startswith(_OPEN_PREFIXES):
            return None
        step = pending_step(user, policy)
        if step is None:
            return None
        url_name, message = step
        return _refuse(request, _with_next(reverse(url_name), request), message)

    @staticmethod
    def _time_out(request, user):
        session_end(user=user, session_key=request.session.session_key, reason="长时间无操作")
        logout(request)
        return _refuse(request, _with_next(reverse("login"), request, timeout=1), IDLE_TIMEOUT)
