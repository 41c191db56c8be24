"""Per-request context (client address, request id) for audit rows and log lines."""

import contextvars
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    """An access the jurisdiction kernel refused during this request: written to the audit
    log as a security event once the request has answered 403 or 404 (and its own
    transaction, rolled back or not, is over — see core.middleware)."""

    attempt: str  # "object" (another jurisdiction's object), "reveal"
    object_type: str = ""
    object_id: str = ""
    capability: str = ""
    region_key: int | None = None


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    path: str = ""
    refusals: list[Refusal] = field(default_factory=list)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "junjia_request_context", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def activate(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)


def note_refusal(refusal: Refusal) -> None:
    """Remember a refused access for this request's security event (outside a request —
    a job, a command — there is no one to answer and nothing is noted)."""
    ctx = _current.get()
    if ctx is not None and len(ctx.refusals) < 20:
        ctx.refusals.append(refusal)
