"""Base of every domain error: str(error) is a Chinese message fit to show the user.

Refusals are typed, so that pages and the API answer them the same way from one place
(core.rest.exception_handler; pages show str(error)):

- NotPermitted — the actor may not do this to this object (403);
- WrongState — the object's state does not allow it now; names the steps allowed now (409);
- InvalidInput — a rule on the input is not met; names the field when there is one (400).

A plain DomainError is an invalid input with no field (400).
"""


class DomainError(Exception):
    pass


class NotPermitted(DomainError):
    pass


class WrongState(DomainError):
    def __init__(self, message: str, *, status: str = "", status_label: str = "", allowed=()):
        super().__init__(message)
        self.status = status
        self.status_label = status_label
        # [(status, label), …]: the steps the object may take now
        self.allowed = list(allowed)


class InvalidInput(DomainError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def refusal_status(exc: DomainError) -> int:
    """The HTTP status of a refusal, for the API and the pages alike."""
    if isinstance(exc, NotPermitted):
        return 403
    if isinstance(exc, WrongState):
        return 409
    return 400
