"""The platform's secret keys: from the environment in production, generated once elsewhere.

Outside production a missing key is created under data_dir (mode 0600) and reused, so
tokens survive restarts and every worker process of one installation shares the keys.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from api.settings import Settings


class MissingSecret(RuntimeError):
    pass


def secret_bytes(value: SecretStr | None, *, name: str, env: str, data_dir: Path) -> bytes:
    """The key named `name`: decoded from its setting, else (not in production) from a file."""
    if value is not None:
        return _decode(value.get_secret_value(), name)
    if env == "production":
        raise MissingSecret(f"production needs AGORA_{name.upper()} (32 random bytes, base64)")
    path = data_dir / "secrets" / f"{name}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return _decode(path.read_text().strip(), name)


def platform_keys(settings: Settings) -> tuple[bytes, bytes]:
    """(token signing key, personal-data key), or MissingSecret naming what is missing."""
    token_key = secret_bytes(
        settings.jwt_secret, name="jwt_secret", env=settings.env, data_dir=settings.data_dir
    )
    data_key = secret_bytes(
        settings.data_key, name="data_key", env=settings.env, data_dir=settings.data_dir
    )
    return token_key, data_key[:32]


def _decode(text: str, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as error:
        raise MissingSecret(f"AGORA_{name.upper()} is not base64") from error
    if len(key) < 32:
        raise MissingSecret(f"AGORA_{name.upper()} must decode to at least 32 bytes")
    return key
