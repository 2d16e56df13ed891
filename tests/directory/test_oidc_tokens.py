"""ID tokens from a real OpenID Connect provider (oidc-provider-mock on loopback, with its own
keys), checked by directory/oidc.py: a real one passes; one with a wrong signature, a wrong
audience, an expired time or a replayed nonce is refused, as is one issued in the future."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qsl, urlparse

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from directory import oidc
from directory.settings import directory_settings
from tests.directory_servers import PROVIDER_WARNINGS, OidcProvider

pytestmark = pytest.mark.filterwarnings(PROVIDER_WARNINGS)
CALLBACK = "http://testserver/login/oidc/callback"


async def real_answer(provider: OidcProvider, sub: str = "mia") -> tuple[oidc.Pending, dict]:
    """A sign-in at the provider as `sub`, through its sign-in page: the pending sign-in and
    the token endpoint's answer (with its ID token)."""
    settings = directory_settings()
    url, pending = await oidc.begin(settings, CALLBACK, "/")
    query = dict(parse_qsl(urlparse(url).query))
    assert query["code_challenge_method"] == "S256" and query["nonce"] == pending.nonce
    callback = dict(parse_qsl(urlparse(provider.authorize(url, sub)).query))
    assert callback["state"] == pending.state
    return pending, await oidc.exchange(settings, pending, callback["code"])


async def check(token: str, nonce: str, **options) -> dict:
    settings = directory_settings()
    return await oidc.validate_id_token(settings, await oidc.provider(settings), token, nonce=nonce, **options)


def parts(token: str) -> list[str]:
    return token.split(".")


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    payload = parts(token)[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def provider(oidc_provider, directory_env):
    directory_env(oidc_provider.settings(QA_OIDC_CLOCK_SKEW="60"))
    oidc_provider.set_user("mia", email="mia@city.example", name="Mia Marker", groups=["qa-team"])
    return oidc_provider


async def test_a_real_token_passes_every_check(clean_db, provider):
    pending, answer = await real_answer(provider)
    claims = await check(answer["id_token"], pending.nonce, access_token=answer["access_token"])
    assert claims["sub"] == "mia" and claims["groups"] == ["qa-team"] and claims["iss"] == provider.issuer


async def test_a_wrong_signature_is_refused(clean_db, provider):
    pending, answer = await real_answer(provider)
    header, payload, signature = parts(answer["id_token"])
    # 1. The claims changed (made an administrator), the provider's signature kept.
    promoted = b64({**claims_of(answer["id_token"]), "groups": ["it-admins"]})
    # 2. The signature itself altered.
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    # 3. Signed by a key of the test's own that claims the provider's key id.
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("kid")
    impostor = jwt.encode(
        {"alg": "RS256", **({"kid": kid} if kid else {})}, claims_of(answer["id_token"]), RSAKey.generate_key(2048)
    )
    # 4. No signature at all.
    unsigned = b64({"alg": "none", "typ": "JWT"}) + "." + payload + "."
    for token in (f"{header}.{promoted}.{signature}", f"{header}.{payload}.{flipped}", impostor, unsigned):
        with pytest.raises(oidc.OidcError) as refused:
            await check(token, pending.nonce)
        assert "refused" in str(refused.value)
    assert "not signed by the organisation's sign-in service" in str(
        await _refusal(f"{header}.{promoted}.{signature}", pending.nonce)
    )
    # The real one is still good.
    assert (await check(answer["id_token"], pending.nonce))["sub"] == "mia"


async def _refusal(token: str, nonce: str, **options) -> oidc.OidcError:
    with pytest.raises(oidc.OidcError) as refused:
        await check(token, nonce, **options)
    return refused.value


async def test_a_token_for_another_application_is_refused(clean_db, provider, directory_env):
    directory_env({"QA_OIDC_CLIENT_ID": "another-app"})
    pending, answer = await real_answer(provider)  # signed by the provider, for another client
    assert claims_of(answer["id_token"])["aud"] in ("another-app", ["another-app"])
    directory_env({"QA_OIDC_CLIENT_ID": "qa-app"})
    refusal = await _refusal(answer["id_token"], pending.nonce)
    assert "meant for another application" in str(refusal)


async def test_an_expired_token_is_refused(clean_db, directory_env):
    short = OidcProvider(token_seconds=1).start()
    try:
        directory_env(short.settings(QA_OIDC_CLOCK_SKEW="0"))
        short.set_user("mia", email="mia@city.example", groups=["qa-team"])
        pending, answer = await real_answer(short)
        time.sleep(2.1)
        refusal = await _refusal(answer["id_token"], pending.nonce)
        assert isinstance(refusal, oidc.ClockOutOfStep)
        assert "it had already expired" in str(refusal) and "check the time on both" in str(refusal)
    finally:
        short.stop()


async def test_clock_skew_is_tolerated_within_its_limit_only(clean_db, provider):
    pending, answer = await real_answer(provider)
    claims = claims_of(answer["id_token"])
    expired = await _refusal(answer["id_token"], pending.nonce, now=claims["exp"] + 65)
    assert isinstance(expired, oidc.ClockOutOfStep) and "out of step by more than 60 seconds" in str(expired)
    future = await _refusal(answer["id_token"], pending.nonce, now=claims["iat"] - 65)
    assert isinstance(future, oidc.ClockOutOfStep) and "issued in the future" in str(future)
    assert (await check(answer["id_token"], pending.nonce, now=claims["exp"] + 55))["sub"] == "mia"


async def test_a_replayed_nonce_is_refused(clean_db, provider):
    pending, answer = await real_answer(provider)
    assert (await check(answer["id_token"], pending.nonce))["sub"] == "mia"
    replayed = await _refusal(answer["id_token"], pending.nonce)
    assert "used before" in str(replayed)
    # A token presented to another sign-in than its own does not match that sign-in's nonce.
    other_pending, other_answer = await real_answer(provider)
    mismatch = await _refusal(other_answer["id_token"], pending.nonce)
    assert "does not belong to this sign-in" in str(mismatch)
    assert (await check(other_answer["id_token"], other_pending.nonce))["sub"] == "mia"
