"""Per-request context (client address, request id) for audit rows and log lines."""

import contextvars
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    path: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "junjia_request_context", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def activate(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)
