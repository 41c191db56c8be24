"""Test mode: SQLite by default, PostgreSQL when DATABASE_URL says so; fixed test keys."""

import base64
import os

from .base import *  # noqa: F403
from .base import BASE_DIR, database_from_url
from .env import env_str

# A clean clone has no var/ yet (it is ignored by git): create it before anything uses it.
(BASE_DIR / "var").mkdir(exist_ok=True)

SECRET_KEY = "test-only-secret-key-not-for-any-deployment-" + "x" * 20
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'test.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not shared memory: WAL and busy timeouts then behave as in embedded mode, so
    # concurrency tests mean something. One file per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
JUNJIA_CRYPTO = {
    "PROVIDER": "junjia.core.crypto.Sm4GcmProvider",
    "KEYS": {"t1": base64.b64encode(b"0123456789abcdef").decode()},
    "CURRENT_KEY": "t1",
    "MAC_KEY": base64.b64encode(b"m" * 32).decode(),
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOGGING["root"]["level"] = "WARNING"
AXES_ENABLED = True
JUNJIA_SMS_BACKEND = "junjia.core.sms.FileBackend"
JUNJIA_SMS_FILE = BASE_DIR / "var" / f"test-sms-{os.getpid()}.jsonl"
