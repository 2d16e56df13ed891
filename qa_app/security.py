"""Password hashing (argon2) and the keyed hash that stands in for a caller's number.

argon2 is slow and memory-hard on purpose, so the web app never runs it on its event loop: the
`*_async` functions run it in a pool of `HASHING_AT_ONCE` threads of its own, and a burst
of logins waits its turn there while every other request is served."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from qa_app.i18n import _

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # a passphrase fits; a megabyte "password" is not hashed
HASHING_AT_ONCE = 2  # argon2 computations in parallel (each takes a core and 64 MiB)
# Its own small pool: the limit holds whichever event loop asks (the app's, a command's).
_hashing = ThreadPoolExecutor(max_workers=HASHING_AT_ONCE, thread_name_prefix="argon2")


def check_length(password: str) -> None:
    """ValueError, in the current language, when a password is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(_("a password needs at least %(num)s characters") % {"num": MIN_PASSWORD_LENGTH})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(_("a password may have at most %(num)s characters") % {"num": MAX_PASSWORD_LENGTH})


def hash_password(password: str) -> str:
    check_length(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    check_length(password)  # here, in the caller's language: the pool's threads have none
    return await asyncio.get_running_loop().run_in_executor(_hashing, hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_hashing, verify_password, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of a password nobody has, verified when the e-mail is unknown so that a failed
# login takes as long whether or not the account exists.
DUMMY_HASH = _hasher.hash("not-a-password-anyone-has")


_NOT_DIGITS = re.compile(r"\D")


def normalise_number(number: str) -> str:
    """Digits only, with international prefixes unified: '+46 8-508 00 000' and '0046850800000'
    give the same string."""
    number = number.strip()
    plus = number.startswith("+")
    digits = number if number.isdigit() else _NOT_DIGITS.sub("", number)
    if digits.startswith("00"):
        digits, plus = digits[2:], True
    return ("+" if plus else "") + digits


class CallerHasher:
    """HMAC-SHA256 of the normalised number, keyed by QA_SECRET_KEY: repeat callers can be
    recognised without the number being stored. Withheld or empty numbers give None.

    The keyed state is prepared once and copied per number, and recent numbers are remembered
    (callers repeat), which matters when a million calls are imported."""

    def __init__(self, secret_key: str, cache_size: int = 65536):
        self._keyed = hmac.new(secret_key.encode(), digestmod=hashlib.sha256)
        self._cache: dict[str, str | None] = {}
        self._cache_size = cache_size

    def __call__(self, number: str | None) -> str | None:
        if not number:
            return None
        found = self._cache.get(number, _MISSING)
        if found is not _MISSING:
            return found
        normalised = normalise_number(number)
        if normalised.strip("+"):
            digest = self._keyed.copy()
            digest.update(normalised.encode())
            result = digest.hexdigest()[:40]
        else:  # "anonymous", "unknown", withheld
            result = None
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[number] = result
        return result


_MISSING = object()


def caller_hash(number: str | None, secret_key: str) -> str | None:
    return CallerHasher(secret_key, cache_size=1)(number)
