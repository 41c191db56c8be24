"""What the permission walk's route tables share: a real image for upload bodies."""

import base64

from django.core.files.uploadedfile import SimpleUploadedFile

# A 1×1 PNG that Pillow (and so ImageField) accepts.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def png(name: str) -> SimpleUploadedFile:
    """A fresh upload each call: the test client reads a file once."""
    return SimpleUploadedFile(name, _PNG, content_type="image/png")
