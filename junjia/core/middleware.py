"""Request context middleware: binds client address and request id for audit and logs."""

from .context import RequestContext, activate, deactivate


def client_ip(request) -> str | None:
    # Behind the deployment's reverse proxy the first X-Forwarded-For hop is the client;
    # only trusted when the operator says so (TRUST_X_FORWARDED_FOR).
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record_refusals(request, ctx, status: int) -> None:
    """One security event per access the kernel refused in this request (GB/T 22239-2019
    §8.1.5): who, what, which capability, the answer given. Written after the view, so a
    view's rolled-back transaction cannot take the record with it."""
    from junjia.core import audit
    from junjia.core.models import AuditAction

    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    audit.record_many(
        [
            audit.build(
                actor=actor,
                action=AuditAction.REFUSED,
                object_type=refusal.object_type,
                object_id=refusal.object_id,
                region_key=refusal.region_key,
                extra={
                    "attempt": refusal.attempt,
                    "capability": refusal.capability,
                    "status": status,
                    "method": request.method,
                },
            )
            for refusal in ctx.refusals
        ]
    )


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = RequestContext(ip=client_ip(request), path=request.path)
        request.request_id = ctx.request_id
        token = activate(ctx)
        try:
            response = self.get_response(request)
            if ctx.refusals and response.status_code in (403, 404):
                record_refusals(request, ctx, response.status_code)
        finally:
            deactivate(token)
        response["X-Request-ID"] = ctx.request_id
        return response


class NoStoreForStaffMiddleware:
    """Staff pages, downloads and API answers show personal data: nothing a signed-in user
    receives is kept by the browser or a proxy (Cache-Control: no-store). Responses that set
    their own caching (static files, public pages) are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Expires"):
            cache = response.get("Cache-Control", "")
            if "no-store" not in cache:
                response["Cache-Control"] = "private, no-store"
        return response
