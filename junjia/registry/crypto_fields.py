"""The file's number columns are declared in models (RECIPIENT_ID, RECIPIENT_PHONE) and
sealed by core.personal."""

# alias for imports.py/demo.py until the import split lands
from .models import RECIPIENT_ID, RECIPIENT_PHONE

id_lookup = RECIPIENT_ID.lookup
phone_fields = RECIPIENT_PHONE.seal


def id_fields(number: str, *, tail4_memo: dict | None = None) -> dict:
    # core.personal remembers the last-four indexes itself: the memo is no longer needed
    return RECIPIENT_ID.seal(number)


__all__ = ["id_fields", "id_lookup", "phone_fields"]
