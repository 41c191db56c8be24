"""A small fixed-window rate limiter for public pages, keyed by client address and route.

Counts live in Django's cache, so every worker process must share it (embedded mode: the
database cache; production: Redis). The count is approximate where the backend's `incr` is
not atomic (the database cache), which is good enough to stop floods and guessing.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse

from .middleware import client_ip

log = logging.getLogger("junjia.ratelimit")

TOO_MANY = "访问过于频繁，请稍后再试。"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


def _limits(scope: str, limit: int, window: int) -> tuple[int, int]:
    """Operators may override a scope's numbers: JUNJIA_RATELIMITS = {scope: (limit, window)}."""
    override = getattr(settings, "JUNJIA_RATELIMITS", {}).get(scope)
    return tuple(override) if override else (limit, window)


def hit(request, scope: str, *, limit: int, window: int = 60) -> Verdict:
    """Count one request from this client against `scope`; say whether it is within the limit."""
    limit, window = _limits(scope, limit, window)
    now = time.time()
    index = int(now // window)
    retry_after = max(1, int((index + 1) * window - now))
    if not getattr(settings, "JUNJIA_RATELIMIT_ENABLED", True):
        return Verdict(True, 0, limit, retry_after)
    # Addresses are hashed: the cache need not hold who visited.
    who = hashlib.sha256((client_ip(request) or "unknown").encode()).hexdigest()[:24]
    key = f"junjia:rl:{scope}:{who}:{window}:{index}"
    cache = caches[getattr(settings, "JUNJIA_RATELIMIT_CACHE", "default")]
    try:
        cache.add(key, 0, timeout=window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 1)
            count = 1
    except Exception:
        # A broken cache must not take the public pages down; say so loudly instead.
        log.exception("rate limiter cache unavailable", extra={"scope": scope})
        return Verdict(True, 0, limit, retry_after)
    return Verdict(count <= limit, count, limit, retry_after)


def _plain_response(request, verdict: Verdict) -> HttpResponse:
    return HttpResponse(TOO_MANY, status=429, content_type="text/plain; charset=utf-8")


def ratelimit(
    *,
    limit: int,
    window: int = 60,
    methods: tuple[str, ...] | None = None,
    scope: str | None = None,
    response: Callable | None = None,
):
    """Decorate a view: more than `limit` requests from one address within a `window`-second
    window answer 429. `scope` defaults to the route name; `methods` limits what is counted
    (e.g. only POST for a stricter second limit); `response(request, verdict)` renders the
    refusal (a plain Chinese text by default)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if methods is None or request.method in methods:
                match = getattr(request, "resolver_match", None)
                name = scope or (match.view_name if match else view.__qualname__)
                verdict = hit(request, name, limit=limit, window=window)
                if not verdict.allowed:
                    reply = (response or _plain_response)(request, verdict)
                    reply.status_code = 429
                    reply["Retry-After"] = str(verdict.retry_after)
                    return reply
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
