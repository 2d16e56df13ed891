"""Password hashing (argon2) and the keyed hash that stands in for a caller's number."""

from __future__ import annotations

import hashlib
import hmac
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of a password nobody has, verified when the e-mail is unknown so that a failed
# login takes as long whether or not the account exists.
DUMMY_HASH = _hasher.hash("not-a-password-anyone-has")


def normalise_number(number: str) -> str:
    """Digits only, with international prefixes unified: '+46 8-508 00 000' and '0046850800000'
    give the same string."""
    number = number.strip()
    plus = number.startswith("+")
    digits = re.sub(r"\D", "", number)
    if digits.startswith("00"):
        digits, plus = digits[2:], True
    return ("+" if plus else "") + digits


def caller_hash(number: str | None, secret_key: str) -> str | None:
    """HMAC-SHA256 of the normalised number, keyed by QA_SECRET_KEY: repeat callers can be
    recognised without the number being stored. Withheld or empty numbers give None."""
    if not number:
        return None
    normalised = normalise_number(number)
    if not normalised.strip("+") or normalised.lower() in {"anonymous", "unknown"}:
        return None
    return hmac.new(secret_key.encode(), normalised.encode(), hashlib.sha256).hexdigest()[:40]
