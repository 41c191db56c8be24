"""What other apps may use from the registry."""

from .models import RECIPIENT_PHONE
from .permissions import can_view_recipient, get_recipient_for_actor, recipient_scope
from .services import TRANSFER_HOOKS, find_by_id_number
from .visiting import ANCHORS as RECIPIENT_ANCHORS
from .visiting import recipient_facts


def register_timeline_provider(provider) -> None:
    """provider(recipient, actor) -> list of {"at", "title", "detail", "link"} events."""
    from .selectors import TIMELINE_PROVIDERS

    if provider not in TIMELINE_PROVIDERS:
        TIMELINE_PROVIDERS.append(provider)


def recipient_phone(recipient) -> str:
    """The file's full mobile number ("" if none), for a message sent to the person; shown
    to staff only through core.personal.reveal."""
    return RECIPIENT_PHONE.open(recipient)


def search_recipients(actor, q: str, limit: int = 20) -> list:
    """Files the actor may see that match the search box (name, pinyin initials, identity
    number or its last 4/6 characters, mobile), first `limit` by name; [] for an empty box."""
    from .selectors import SearchParams, search

    q = (q or "").strip()
    if not q:
        return []
    return search(actor, SearchParams(q=q), page_size=limit, with_count=False).rows


__all__ = [
    "RECIPIENT_ANCHORS",
    "TRANSFER_HOOKS",
    "can_view_recipient",
    "find_by_id_number",
    "get_recipient_for_actor",
    "recipient_facts",
    "recipient_phone",
    "recipient_scope",
    "register_timeline_provider",
    "search_recipients",
]
