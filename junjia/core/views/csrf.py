"""A form refused by the CSRF check (settings.CSRF_FAILURE_VIEW): a plain Chinese page in
place of Django's 403 page. A page marked with `keeps_input` is shown again instead, with
what the person typed, to be checked and sent once more: a form left open a long time (the
browser's cookies cleared meanwhile, or someone signed in on another tab) loses nothing.

Nothing is carried out on such a request: the page is drawn as for a GET, and only the
person's own second press of the button, with a fresh token, sends the form."""

from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

REFUSED = "页面打开的时间较长，或者浏览器清除了记录，这次提交没有成功，也没有保存任何内容。"
KEPT = "页面打开的时间较长，这次提交没有成功。您填写的内容都还在，请核对后再提交一次。"

_KEEPS = "keeps_input_on_csrf_failure"
_KEPT = "csrf_kept_input"


def keeps_input(view):
    """Mark a view whose form is shown again, filled in, when the CSRF check refuses it; the
    view reads what was posted through `kept_input`, and tells the person (KEPT) on the
    page it draws when `was_kept` (not on a redirect it answers instead)."""
    setattr(view, _KEEPS, True)
    return view


def was_kept(request) -> bool:
    """Whether this request is a refused form being drawn again."""
    return getattr(request, _KEPT, None) is not None


def kept_input(request, fields) -> dict:
    """Of `fields`, what the refused form held, as a form's `initial`; {} on any other
    request."""
    posted = getattr(request, _KEPT, None)
    if posted is None:
        return {}
    return {name: posted.get(name) for name in fields if posted.get(name) not in (None, "")}


def csrf_failure(request, reason=""):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": REFUSED + "请刷新页面后重试。"},
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if request.method == "POST" and match is not None and getattr(match.func, _KEEPS, False):
        posted = request.POST.copy()
        posted.pop("csrfmiddlewaretoken", None)
        setattr(request, _KEPT, posted)
        request.method, request.POST = "GET", QueryDict()
        response = match.func(request, *match.args, **match.kwargs)
        if response.status_code == 200:
            response.status_code = 403  # the POST itself was refused
        return response
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return render(request, "junjia/csrf_failure.html", {"text": REFUSED, "back": back}, status=403)
