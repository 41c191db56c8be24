"""Embedded mode: SQLite under var/, database task backend, keys generated on first start."""

from .base import *  # noqa: F403
from .base import VAR_DIR
from .env import env_bool, env_str
from .secrets import crypto_settings, load_or_create_secret_file

_generated = load_or_create_secret_file(VAR_DIR / "secrets.json")

SECRET_KEY = env_str("SECRET_KEY") or _generated["SECRET_KEY"]
JUNJIA_CRYPTO = crypto_settings(_generated)
DEBUG = env_bool("DEBUG", False)
