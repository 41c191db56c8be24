"""Base of every domain error: str(error) is a Chinese message fit to show the user."""


class DomainError(Exception):
    pass
