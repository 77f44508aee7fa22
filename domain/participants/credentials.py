"""Login identifiers and passwords: what we accept, normalised so lookups are exact."""

from __future__ import annotations

import re
from enum import Enum

from domain.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128  # argon2 hashes anything, but unbounded input is a DoS lever
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")  # E.164


class ParticipantKind(Enum):
    PERSON = "PERSON"
    BUSINESS = "BUSINESS"


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidInput("is not a valid email address", field="email")
    return value


def normalise_phone(phone: str) -> str:
    """E.164 (+8613800138000); spaces, dashes and parentheses are dropped."""
    value = re.sub(r"[\s\-()]", "", phone)
    if not _PHONE.fullmatch(value):
        raise InvalidInput("must be in international form, e.g. +8613800138000", field="phone")
    return value


def check_password(password: str, *, field: str = "password") -> None:
    """Length rules only (NIST 800-63B): no composition rules, which push users to patterns."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"must be at least {MIN_PASSWORD_LENGTH} characters", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"must be at most {MAX_PASSWORD_LENGTH} characters", field=field)
    if len(set(password)) < 4:
        raise InvalidInput("is too easy to guess", field=field)


def normalise_login(login: str) -> tuple[str, str]:
    """("email", value) or ("phone", value) for what a user typed in the login box."""
    if "@" in login:
        return "email", normalise_email(login)
    return "phone", normalise_phone(login)
