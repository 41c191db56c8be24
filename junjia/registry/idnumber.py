"""Identity numbers now live in core.personal.idnumber."""

# alias for imports.py/demo.py until the import split lands
from junjia.core.personal.idnumber import IdNumberError, check_character, parse

__all__ = ["IdNumberError", "check_character", "parse"]
