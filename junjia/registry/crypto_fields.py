"""Encryption, blind indexes and masks for identity and phone numbers, in one place."""

from junjia.core.crypto import get_provider

from .idnumber import mask
from .phones import mask_phone

ID_AAD = b"registry.recipient.id_number"
PHONE_AAD = b"registry.recipient.phone"


def id_fields(number: str, *, tail4_memo: dict | None = None) -> dict:
    """Column values for an 18-character identity number (already validated).
    `tail4_memo`: a dict the caller keeps to reuse the last-four index across many numbers
    (a bulk import); it remembers the provider, so a changed key is never mixed in."""
    provider = get_provider()
    tail4 = number[-4:]
    if tail4_memo is None:
        tail4_index = provider.blind_index(tail4, purpose="recipient.id_tail4")[:16]
    else:
        if tail4_memo.get(None) is not provider:
            tail4_memo.clear()
            tail4_memo[None] = provider
        tail4_index = tail4_memo.get(tail4)
        if tail4_index is None:
            tail4_index = tail4_memo[tail4] = provider.blind_index(
                tail4, purpose="recipient.id_tail4"
            )[:16]
    return {
        "id_number_enc": provider.encrypt_text(number, aad=ID_AAD),
        "id_index": provider.blind_index(number, purpose="recipient.id"),
        "id_masked": mask(number),
        "id_tail4_index": tail4_index,
        "id_tail6_index": provider.blind_index(number[-6:], purpose="recipient.id_tail6")[:16],
    }


def id_lookup(number: str) -> str:
    return get_provider().blind_index(number, purpose="recipient.id")


def tail_lookup(tail: str) -> tuple[str, str]:
    purpose = "recipient.id_tail4" if len(tail) == 4 else "recipient.id_tail6"
    field = "id_tail4_index" if len(tail) == 4 else "id_tail6_index"
    return field, get_provider().blind_index(tail, purpose=purpose)[:16]


def phone_fields(phone: str) -> dict:
    if not phone:
        return {"phone_enc": "", "phone_index": "", "phone_masked": ""}
    provider = get_provider()
    return {
        "phone_enc": provider.encrypt_text(phone, aad=PHONE_AAD),
        "phone_index": provider.blind_index(phone, purpose="recipient.phone"),
        "phone_masked": mask_phone(phone),
    }


def phone_lookup(phone: str) -> str:
    return get_provider().blind_index(phone, purpose="recipient.phone")


def reveal_id(recipient) -> str:
    return get_provider().decrypt_text(recipient.id_number_enc, aad=ID_AAD)


def reveal_phone(recipient) -> str:
    if not recipient.phone_enc:
        return ""
    return get_provider().decrypt_text(recipient.phone_enc, aad=PHONE_AAD)
