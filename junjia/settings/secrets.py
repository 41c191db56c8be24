"""Secrets for the settings: from the environment, or (embedded mode only) a generated file."""

import base64
import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import env_str


def _generate() -> dict:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ENCRYPTION_KEYS": {"k1": base64.b64encode(os.urandom(16)).decode()},
        "ENCRYPTION_CURRENT_KEY": "k1",
        "MAC_KEY": base64.b64encode(os.urandom(32)).decode(),
    }


def load_or_create_secret_file(path: Path) -> dict:
    """Embedded mode: keys are made once per installation and kept beside the database."""
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return data


def parse_keys(raw: str, name: str) -> dict[str, str]:
    """JUNJIA_ENCRYPTION_KEYS="k1:BASE64,k2:BASE64" -> {"k1": "...", "k2": "..."}."""
    keys: dict[str, str] = {}
    for position, item in enumerate(raw.split(","), start=1):
        item = item.strip()
        if not item:
            continue
        key_id, sep, value = item.partition(":")
        if not sep or not key_id or not value:
            # Never echo the item: it may be a real key with a typo.
            raise ImproperlyConfigured(
                f"环境变量 {name} 的格式应为 编号:base64密钥,…，第 {position} 项有误。"
            )
        keys[key_id] = value
    return keys


def crypto_settings(fallback: dict | None) -> dict:
    """Build JUNJIA_CRYPTO from the environment, falling back to a generated secret file."""
    fallback = fallback or {}
    raw_keys = env_str("JUNJIA_ENCRYPTION_KEYS")
    keys = (
        parse_keys(raw_keys, "JUNJIA_ENCRYPTION_KEYS")
        if raw_keys
        else fallback.get("ENCRYPTION_KEYS", {})
    )
    return {
        "PROVIDER": env_str("JUNJIA_CRYPTO_PROVIDER", "junjia.core.crypto.Sm4GcmProvider"),
        "KEYS": keys,
        "CURRENT_KEY": env_str("JUNJIA_ENCRYPTION_CURRENT_KEY")
        or fallback.get("ENCRYPTION_CURRENT_KEY", ""),
        "MAC_KEY": env_str("JUNJIA_MAC_KEY") or fallback.get("MAC_KEY", ""),
    }
