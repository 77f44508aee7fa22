"""Who we are, as shown to clients."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlatformProfile:
    name: str
    version: str
    currency: str  # the platform's home currency, ISO 4217
