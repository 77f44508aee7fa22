"""Personal data at rest: AES-256-GCM with a random nonce; HMAC-SHA256 fingerprints."""

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"  # lets a future key or algorithm rotation tell old ciphertexts apart
_NONCE_BYTES = 12


class AesGcmVault:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(key)
        # A separate key for fingerprints, so they reveal nothing about the encryption key.
        self._fingerprint_key = hmac.new(key, b"agora fingerprint key", hashlib.sha256).digest()

    def seal(self, plaintext: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), _VERSION)

    def open(self, sealed: bytes) -> str:
        version, nonce, ciphertext = (
            sealed[:1],
            sealed[1 : 1 + _NONCE_BYTES],
            sealed[1 + _NONCE_BYTES :],
        )
        if version != _VERSION:
            raise ValueError("unknown ciphertext version")
        return self._aead.decrypt(nonce, ciphertext, version).decode()

    def fingerprint(self, plaintext: str) -> str:
        return hmac.new(self._fingerprint_key, plaintext.encode(), hashlib.sha256).hexdigest()
