"""Personal data — identity and mobile numbers — in one place: validation and masking
(idnumber, phones, masking of typed text), the encrypted columns each app declares
(sealing), and the audited reveal of one full value (reveal). Form fields: forms; API
fields: serializers."""

from .idnumber import IdNumber, IdNumberError, age_on, check_character, mask_id
from .idnumber import parse as parse_id_number
from .masking import FREE_TEXT_KEYS, mask_params, mask_text
from .phones import PhoneError, mask_phone, normalise_mobile
from .reveal import REVEAL_REFUSED, reveal
from .sealing import ID, PHONE, Kind, PersonalField, register, register_copies

__all__ = [
    "FREE_TEXT_KEYS",
    "ID",
    "PHONE",
    "REVEAL_REFUSED",
    "IdNumber",
    "IdNumberError",
    "Kind",
    "PersonalField",
    "PhoneError",
    "age_on",
    "check_character",
    "mask_id",
    "mask_params",
    "mask_phone",
    "mask_text",
    "normalise_mobile",
    "parse_id_number",
    "register",
    "register_copies",
    "reveal",
]
