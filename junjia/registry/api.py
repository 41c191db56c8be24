"""What other apps may use from the registry."""

from junjia.core import clock

from .crypto_fields import reveal_phone
from .idnumber import IdNumber, IdNumberError, mask
from .permissions import can_view_recipient, get_recipient_for_actor, recipient_scope
from .phones import PhoneError, mask_phone, normalise_mobile
from .services import TRANSFER_HOOKS, find_by_id_number


def register_timeline_provider(provider) -> None:
    """provider(recipient, actor) -> list of {"at", "title", "detail", "link"} events."""
    from .selectors import TIMELINE_PROVIDERS

    if provider not in TIMELINE_PROVIDERS:
        TIMELINE_PROVIDERS.append(provider)


def parse_id_number(raw: str) -> IdNumber:
    """Validate an identity number (GB 11643) as the registry does; raises IdNumberError."""
    from .idnumber import parse

    return parse(raw, today=clock.today())


def search_recipients(actor, q: str, limit: int = 20) -> list:
    """Files the actor may see that match the search box (name, pinyin initials, identity
    number or its last 4/6 characters, mobile), first `limit` by name; [] for an empty box."""
    from .selectors import SearchParams, search

    q = (q or "").strip()
    if not q:
        return []
    return search(actor, SearchParams(q=q), page_size=limit, with_count=False).rows


__all__ = [
    "TRANSFER_HOOKS",
    "IdNumber",
    "IdNumberError",
    "PhoneError",
    "can_view_recipient",
    "find_by_id_number",
    "get_recipient_for_actor",
    "mask",
    "mask_phone",
    "normalise_mobile",
    "parse_id_number",
    "recipient_scope",
    "register_timeline_provider",
    "reveal_phone",
    "search_recipients",
]
