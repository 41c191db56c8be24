"""The user's own personal API tokens (issue 12 §3), under /accounts/tokens/. The key is
shown once, in the answer to the creating POST; it is never put in the session or a URL."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from junjia.core.errors import DomainError, NotPermitted

from .. import token_services
from ..forms_auth import ApiTokenForm


def _page(request, form, new_key: str = "", status: int = 200):
    user = request.user
    return render(
        request,
        "orgs/api_tokens.html",
        {
            "admin_refused": token_services.holds_admin_role(user),
            "refusal": token_services.ADMIN_REFUSED,
            "tokens": token_services.tokens_of(user),
            "form": form,
            "new_key": new_key,
            "max_days": token_services.max_days(),
            "latest_expiry": token_services.latest_expiry(),
        },
        status=status,
    )


@never_cache
@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    if request.method != "POST":
        return _page(request, form)
    if form.is_valid():
        try:
            _, key = token_services.token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except DomainError as exc:
            form.add_error(getattr(exc, "field", None), str(exc))
        else:
            messages.success(request, "接口令牌已创建。")
            return _page(request, ApiTokenForm(), new_key=key)
    return _page(request, form, status=400)


@require_POST
@login_required
def api_token_revoke(request, pk: int):
    try:
        token = token_services.token_for_actor(request.user, pk)
    except NotPermitted as exc:  # someone else's token: 403, as for any object out of reach
        raise PermissionDenied(str(exc)) from exc
    try:
        token_services.token_revoke(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"接口令牌“{token.name}”已撤销。")
    return redirect("api_tokens")
