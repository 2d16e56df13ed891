"""OpenID Connect with Authlib: the authorization code flow with PKCE (S256), `state` and `nonce`,
the provider found through its discovery document, and the ID token checked by joserfc (which
Authlib uses) and Authlib's `CodeIDToken`: its signature against the provider's published keys
(JWKS, fetched again once when a key id is new), its issuer, audience and authorised party, its
times within QA_OIDC_CLOCK_SKEW, its nonce, and its `at_hash`. A nonce is accepted once only
(tables.UsedNonce), so a token cannot be played again.

Every failure is an `OidcError` whose message says what the person (or IT) can do about it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from directory.settings import DirectorySettings
from directory.tables import UsedNonce
from qa_app.i18n import _

log = logging.getLogger(__name__)

DISCOVERY_TTL = 600  # seconds a discovery document and its keys are kept
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class OidcError(Exception):
    """A sign-in that cannot go on; the message is for the person signing in."""


class ClockOutOfStep(OidcError):
    pass


class Unreachable(OidcError):
    """The provider does not answer (a 503, not a refusal)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    metadata: dict[str, Any]
    jwks: dict[str, Any]
    fetched: float

    @property
    def end_session_endpoint(self) -> str | None:
        return self.metadata.get("end_session_endpoint")


_providers: dict[str, Provider] = {}


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def _unreachable(settings: DirectorySettings, error: Exception) -> OidcError:
    log.warning("OpenID Connect provider %s: %s: %s", settings.oidc_issuer, type(error).__name__, error)
    return Unreachable(
        _(
            "The organisation's sign-in service cannot be reached just now. Try again in a few minutes; "
            "if it goes on, tell IT (the provider at QA_OIDC_ISSUER does not answer)."
        )
    )


async def provider(settings: DirectorySettings, *, fresh: bool = False) -> Provider:
    """The provider's discovery document and keys, cached for DISCOVERY_TTL seconds."""
    cached = _providers.get(settings.oidc_issuer)
    if cached and not fresh and time.monotonic() - cached.fetched < DISCOVERY_TTL:
        return cached
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=settings.oidc_timeout) as client:
            answer = await client.get(url, headers={"accept": "application/json"})
            answer.raise_for_status()
            metadata = answer.json()
            keys = await client.get(metadata["jwks_uri"], headers={"accept": "application/json"})
            keys.raise_for_status()
            jwks = keys.json()
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise _unreachable(settings, error) from None
    if not _same_issuer(str(metadata.get("issuer", "")), settings.oidc_issuer):
        raise OidcError(
            _("The sign-in service calls itself %(found)r, not %(expected)r: tell IT to correct QA_OIDC_ISSUER.")
            % {"found": metadata.get("issuer"), "expected": settings.oidc_issuer}
        )
    found = Provider(issuer=metadata["issuer"], metadata=metadata, jwks=jwks, fetched=time.monotonic())
    _providers[settings.oidc_issuer] = found
    return found


def forget_providers() -> None:
    _providers.clear()


def _client_auth(settings: DirectorySettings, found: Provider) -> ClientAuth:
    """How this app proves itself at the token endpoint: its secret, as the provider prefers
    (Basic or in the body), or PKCE alone for a public client."""
    methods = found.metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if not settings.oidc_client_secret:
        method = "none"
    elif "client_secret_basic" in methods:
        method = "client_secret_basic"
    else:
        method = "client_secret_post"
    return ClientAuth(settings.oidc_client_id, settings.oidc_client_secret, method)


@dataclass(frozen=True)
class Pending:
    """What the browser's session keeps between the start of a sign-in and its callback."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next: str
    started: float

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


async def begin(settings: DirectorySettings, redirect_uri: str, next_: str) -> tuple[str, Pending]:
    """The provider's authorization URL to send the browser to, and what to keep until it comes back."""
    found = await provider(settings)
    pending = Pending(
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        redirect_uri=redirect_uri,
        next=next_,
        started=time.time(),
    )
    url = prepare_grant_uri(
        found.metadata["authorization_endpoint"],
        client_id=settings.oidc_client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=settings.oidc_scopes,
        state=pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.code_verifier),
        code_challenge_method="S256",
    )
    return url, pending


async def exchange(settings: DirectorySettings, pending: Pending, code: str) -> dict[str, Any]:
    """The token endpoint's answer to the code (with the PKCE verifier)."""
    found = await provider(settings)
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=pending.redirect_uri, code_verifier=pending.code_verifier
    )
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
    url, headers, body = _client_auth(settings, found).prepare("POST", found.metadata["token_endpoint"], headers, body)
    try:
        async with httpx.AsyncClient(timeout=settings.oidc_timeout) as client:
            answer = await client.post(url, headers=headers, content=body)
        token = answer.json()
    except httpx.HTTPError as error:
        raise _unreachable(settings, error) from None
    except ValueError:
        token = {}
    if answer.status_code != 200 or not isinstance(token, dict) or "error" in token:
        log.warning("OpenID Connect token request refused: %s %s", answer.status_code, str(token)[:300])
        raise OidcError(
            _("The sign-in service did not accept this sign-in (it may have taken too long). Please start again.")
        )
    return token


def _decode(token: str, jwks: dict[str, Any], algorithms: list[str]):
    return jwt.decode(token, KeySet.import_key_set(jwks), algorithms=algorithms)


async def _skew_seconds(settings: DirectorySettings) -> float | None:
    """How far the provider's clock is from ours, read from its HTTP Date header (None: unknown)."""
    try:
        async with httpx.AsyncClient(timeout=settings.oidc_timeout) as client:
            answer = await client.get(settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration")
        theirs = parsedate_to_datetime(answer.headers["date"])
    except Exception:  # no answer or no date: we cannot tell
        return None
    return (theirs - datetime.now(timezone.utc)).total_seconds()


async def _clock_error(settings: DirectorySettings, what: str) -> ClockOutOfStep:
    skew = await _skew_seconds(settings)
    measured = ""
    if skew is not None and abs(skew) > 2:
        seconds = f"{abs(skew):.0f}"
        measured = " " + (
            _("The sign-in service's clock is %(seconds)s seconds ahead of this server's.")
            if skew > 0
            else _("The sign-in service's clock is %(seconds)s seconds behind this server's.")
        ) % {"seconds": seconds}
    return ClockOutOfStep(
        _(
            "The sign-in could not be accepted: %(what)s. This happens when this server's clock and the sign-in "
            "service's are out of step by more than %(skew)s seconds."
        )
        % {"what": what, "skew": settings.oidc_clock_skew}
        + measured
        + " "
        + _("Please try again; if it goes on, ask IT to check the time on both (NTP).")
    )


async def validate_id_token(
    settings: DirectorySettings,
    found: Provider,
    id_token: str,
    *,
    nonce: str,
    access_token: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The ID token's claims when every check holds; else OidcError. `now` is for tests."""
    algorithms = [
        alg
        for alg in found.metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        if alg in SIGNING_ALGORITHMS
    ]
    if not algorithms:
        raise OidcError(_("The sign-in service signs its tokens in no way this application accepts: tell IT."))
    try:
        try:
            token = _decode(id_token, found.jwks, algorithms)
        except InvalidKeyIdError:
            found = await provider(settings, fresh=True)  # the provider may have rolled its keys
            token = _decode(id_token, found.jwks, algorithms)
    except (BadSignatureError, InvalidKeyIdError) as error:
        log.warning("OpenID Connect: ID token signature refused: %s", error)
        raise OidcError(
            _("The sign-in answer was not signed by the organisation's sign-in service; it was refused.")
        ) from None
    except (JoseError, ValueError) as error:
        log.warning("OpenID Connect: ID token unreadable: %s: %s", type(error).__name__, error)
        raise OidcError(_("The sign-in answer could not be read; it was refused. Please start again.")) from None
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "value": found.issuer},
            "aud": {"essential": True, "value": settings.oidc_client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
        },
        params={"nonce": nonce, "client_id": settings.oidc_client_id, "access_token": access_token},
    )
    try:
        claims.validate(now=int(now) if now is not None else None, leeway=settings.oidc_clock_skew)
    except ExpiredTokenError:
        raise await _clock_error(settings, _("it had already expired")) from None
    except (InvalidClaimError, MissingClaimError) as error:
        name = getattr(error, "claim", "") or str(error)
        if "iat" in name or "nbf" in name:
            raise await _clock_error(settings, _("it was issued in the future")) from None
        log.warning("OpenID Connect: ID token claim refused: %s", error)
        what = {
            "aud": _("it was meant for another application"),
            "azp": _("it was meant for another application"),
            "iss": _("it came from another issuer"),
            "nonce": _("it does not belong to this sign-in"),
            "at_hash": _("it does not match its access token"),
        }
        reason = next(
            (text for key, text in what.items() if key in name), _("its %(claim)s is not right") % {"claim": name}
        )
        raise OidcError(
            _("The sign-in answer was refused: %(reason)s. Please start again.") % {"reason": reason}
        ) from None
    await use_nonce(nonce, int(claims["exp"]) + settings.oidc_clock_skew)
    return dict(claims)


async def use_nonce(nonce: str, until: int) -> None:
    """Record the nonce as used; a nonce seen before is a replayed token, refused."""
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    now = datetime.now(timezone.utc)
    await UsedNonce.delete().where(UsedNonce.expires_at < now)
    expires = datetime.fromtimestamp(until, timezone.utc)
    if expires < now:
        expires = now + timedelta(minutes=10)
    try:
        await UsedNonce.insert(UsedNonce(digest=digest, expires_at=expires))
    except Exception:  # the unique digest: this nonce was used before
        if await UsedNonce.exists().where(UsedNonce.digest == digest):
            raise OidcError(_("This sign-in answer was used before, so it was refused. Please start again.")) from None
        raise


async def finish(settings: DirectorySettings, pending: Pending, code: str) -> tuple[dict[str, Any], str]:
    """The checked ID token's claims (with the userinfo endpoint's, where it has more), and the
    raw ID token (kept for signing out at the provider)."""
    answer = await exchange(settings, pending, code)
    id_token = answer.get("id_token")
    if not id_token:
        raise OidcError(_("The sign-in service sent no ID token: tell IT (the client needs the openid scope)."))
    found = await provider(settings)
    claims = await validate_id_token(
        settings, found, id_token, nonce=pending.nonce, access_token=answer.get("access_token")
    )
    userinfo_endpoint = found.metadata.get("userinfo_endpoint")
    if userinfo_endpoint and answer.get("access_token"):
        try:
            async with httpx.AsyncClient(timeout=settings.oidc_timeout) as client:
                info = await client.get(
                    userinfo_endpoint, headers={"authorization": f"Bearer {answer['access_token']}"}
                )
            if info.status_code == 200 and info.json().get("sub") == claims["sub"]:
                claims = {**info.json(), **claims}  # the signed ID token wins where both say
        except (httpx.HTTPError, ValueError) as error:
            log.info("OpenID Connect userinfo not read: %s", error)
    return claims, id_token


async def logout_url(settings: DirectorySettings, id_token: str | None, after: str, state: str) -> str | None:
    """Where to send the browser to sign out at the provider too (None: it does not support it)."""
    try:
        found = await provider(settings)
    except OidcError:
        return None
    endpoint = found.end_session_endpoint
    if not endpoint:
        return None
    params = {"post_logout_redirect_uri": after, "state": state, "client_id": settings.oidc_client_id}
    if id_token:
        params["id_token_hint"] = id_token
    return str(httpx.URL(endpoint, params=params))
