"""API keys: `vtr_<prefix>_<secret>`. Only a SHA-256 of the whole key is stored; the prefix
finds the row. Keys carry 256 bits of randomness, so a fast hash is the right one here."""

import hashlib
import hmac
import secrets

KEY_PREFIX = "vtr_"


def generate() -> tuple[str, str, str]:
    """(full key to show once, prefix, hash to store)"""
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, digest(key)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_prefix(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = key[len(KEY_PREFIX):].partition("_")
    return prefix if sep and secret and len(prefix) == 12 else None


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(key), stored_hash)
