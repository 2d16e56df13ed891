"""The edge of the app on the town hall's network, tested on a real `qa serve` (uvicorn): rate
limits keyed on the real client address, per route; a per-account back-off for failed logins;
password hashing that never stalls other requests."""

from __future__ import annotations

import re
import statistics
import threading
import time

import httpx

from tests.qa_command import run_qa
from tests.web import PASSWORD

FORM = {"accept": "text/html"}


def _login(client: httpx.Client, email: str, password: str, forwarded_for: str | None = None) -> httpx.Response:
    page = client.get("/login", headers=FORM)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    headers = {**FORM, **({"x-forwarded-for": forwarded_for} if forwarded_for else {})}
    return client.post(
        "/login",
        data={"email": email, "password": password, "next": "/", "_csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


def test_a_made_up_forwarded_for_does_not_dodge_the_login_limit(live_app):
    """No trusted proxy (the default): 30 password guesses, each naming a new address in
    X-Forwarded-For and a new account, are counted as the one client they are: 10 a minute."""
    with httpx.Client(base_url=live_app.url) as client:
        statuses = [
            _login(client, f"guess{i}@test.org", "wrong password!", forwarded_for=f"203.0.113.{i}").status_code
            for i in range(30)
        ]
    assert statuses == [400] * 10 + [429] * 20


def test_behind_a_trusted_proxy_one_address_is_throttled_and_a_colleague_is_not(new_live_app):
    """Behind the town hall's proxy (trusted), each client is its forwarded address: the one
    guessing is stopped, a colleague at another desk logs in; and the login's count is its own,
    so a flood on the survey links' route takes nothing from it."""
    app = new_live_app(start=False)
    app.extra_env["QA_TRUSTED_PROXIES"] = "127.0.0.1"
    app.create_user("colleague@test.org", "qa")
    app.start()
    with httpx.Client(base_url=app.url) as client:
        guesses = [_login(client, f"x{i}@test.org", "wrong password!", "198.51.100.66").status_code for i in range(12)]
        assert guesses == [400] * 10 + [429] * 2
        for _ in range(35):  # the survey route's limit (30 a minute) is spent from the colleague's desk
            client.get("/s/unknown-token", headers={**FORM, "x-forwarded-for": "198.51.100.7"})
    with httpx.Client(base_url=app.url) as colleague:
        assert _login(colleague, "colleague@test.org", PASSWORD, "198.51.100.7").status_code == 302


def test_failed_logins_to_one_account_back_off_whatever_the_address(new_live_app):
    app = new_live_app(start=False)
    app.extra_env["QA_TRUSTED_PROXIES"] = "127.0.0.1"
    app.create_user("alice@test.org", "qa")
    app.create_user("bob@test.org", "qa")
    app.start()
    with httpx.Client(base_url=app.url) as client:
        failures = [_login(client, "alice@test.org", "not her password", f"192.0.2.{i}").status_code for i in range(5)]
        assert failures == [400] * 5
        waiting = _login(client, "alice@test.org", PASSWORD, "192.0.2.99")  # even the right password waits
        assert waiting.status_code == 429 and "Too many failed attempts for this account" in waiting.text
        assert int(waiting.headers["retry-after"]) > 0
    with httpx.Client(base_url=app.url) as other:
        assert _login(other, "bob@test.org", PASSWORD, "192.0.2.99").status_code == 302


def test_parallel_logins_do_not_stall_other_requests(new_live_app):
    """argon2 runs beside the event loop: while 8 people log in at once, a page still answers
    within 200 ms of its usual time."""
    app = new_live_app(start=False)
    for i in range(8):
        app.create_user(f"person{i}@test.org", "qa")
    app.start()
    with httpx.Client(base_url=app.url) as probe:
        probe.get("/health")
        quiet = statistics.median(_timed(probe) for _ in range(10))
        clients = [httpx.Client(base_url=app.url) for _ in range(8)]
        tokens = []
        for client in clients:
            page = client.get("/login", headers=FORM)
            tokens.append(re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1))
        start = threading.Barrier(9)
        results: list[int] = []

        def log_in(i: int) -> None:
            start.wait()
            data = {"email": f"person{i}@test.org", "password": PASSWORD, "next": "/", "_csrf_token": tokens[i]}
            results.append(clients[i].post("/login", data=data, headers=FORM, follow_redirects=False).status_code)

        threads = [threading.Thread(target=log_in, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        start.wait()
        time.sleep(0.02)  # the logins are in the server
        busy = max(_timed(probe) for _ in range(5))
        for thread in threads:
            thread.join()
        for client in clients:
            client.close()
    assert results == [302] * 8
    # Hashing in the event loop stalls a page for the 8 hashes (8 x 0.2 s and more); off the loop it
    # waits at most for the CPU, which a busy machine shares with other work: half a second.
    assert busy - quiet < 0.5, f"a page took {busy:.3f} s during 8 logins, {quiet:.3f} s when quiet"


def _timed(client: httpx.Client) -> float:
    began = time.perf_counter()
    assert client.get("/health").status_code == 200
    return time.perf_counter() - began


def test_a_new_data_folder_is_private(tmp_path):
    data = tmp_path / "new" / "data"
    done = run_qa("db", "upgrade", database=f"sqlite:///{data / 'qa.sqlite3'}", env={"QA_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    assert data.stat().st_mode & 0o777 == 0o700


def test_the_access_log_keeps_no_tokens_or_keys(live_app):
    """Survey tokens and API keys in the addresses asked for are redacted in the access log."""
    with httpx.Client(base_url=live_app.url) as client:
        client.get("/s/resident-secret-token-123", headers=FORM)
        client.post("/open311/v2/requests.json?api_key=key-that-must-not-leak", data={})
        assert client.get("/health").status_code == 200
    time.sleep(0.5)
    log = live_app.log_tail(20_000)
    assert "/s/[token]" in log and "api_key=[redacted]" in log
    assert "resident-secret-token-123" not in log and "key-that-must-not-leak" not in log
