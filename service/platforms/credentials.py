"""Platform credentials encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from `VITRINE_SECRET_KEY` (any string; a Fernet key is derived from it). In
embedded mode with none set, a random key is created once in `$VITRINE_HOME/secret.key`
(mode 0600). Losing the key means reconnecting the platforms, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from service.settings import Settings, get_settings


class CredentialsError(RuntimeError):
    pass


def _key_material(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = settings.home / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return Path(path).read_text().strip()


@lru_cache(maxsize=8)
def _fernet(material: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest()))


def encrypt(values: dict[str, str], settings: Settings | None = None) -> str:
    return _fernet(_key_material(settings or get_settings())).encrypt(json.dumps(values).encode()).decode()


def decrypt(token: str | None, settings: Settings | None = None) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet(_key_material(settings or get_settings())).decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsError("stored platform credentials cannot be decrypted with this VITRINE_SECRET_KEY: "
                               "set the key they were saved with, or reconnect the platform") from None
