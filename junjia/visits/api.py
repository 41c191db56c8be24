"""What other apps may use from visits: raising an event that makes a visit due (a
return-home report, a merit notice, a hardship application, a recorded death — 六必访)."""

import datetime as dt

from .choices import EventKind


def raise_visit_event(
    *, actor, recipient, kind: str, occurred_on: dt.date, note: str = "", source: str = ""
) -> int:
    """Record the event for the person (the acting user must reach the file); the visit
    rules on that kind of event make a visit due from it. Returns the event's id."""
    from .services import event_record

    return event_record(
        actor=actor,
        recipient=recipient,
        kind=kind,
        occurred_on=occurred_on,
        note=note,
        source=source,
    ).pk


__all__ = ["EventKind", "raise_visit_event"]
