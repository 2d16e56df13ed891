"""A recording's byte ranges are streamed (SQLite and PostgreSQL): `Range: bytes=0-` on a 5 MB
recording gives exactly its bytes with 206, content-range and accept-ranges, sent in chunks of at
most 64 KiB rather than read into memory at once; a small range gives exactly its bytes; an
unsatisfiable one 416; no range, the whole file. The chunks are seen at the ASGI level (httpx's
ASGI transport joins them)."""

from __future__ import annotations

import asyncio
import random

import httpx

from qa_app.app import create_app
from qa_app.settings import get_settings
from qa_app.tables import Call
from tests.web import login

SIZE = 5 * 1024 * 1024
CHUNK = 64 * 1024


async def asgi_get(app, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], list[bytes]]:
    """GET through the ASGI interface itself: (status, headers, every body message's bytes)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *((k.encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    done = asyncio.Event()
    requested = False

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    start: dict = {}
    chunks: list[bytes] = []

    async def send(message):
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            if message.get("body"):
                chunks.append(message["body"])
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, chunks


async def test_a_range_of_a_large_recording_is_streamed_in_chunks(centre):
    data = random.Random(7).randbytes(SIZE)
    root = get_settings().recordings_dir
    root.mkdir(parents=True, exist_ok=True)
    (root / "long-call.wav").write_bytes(data)
    call = centre["calls"][centre["agents"]["1"]][0]
    await Call.update({Call.recording_path: "long-call.wav"}).where(Call.id == call)
    path = f"/calls/{call}/recording"

    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await login(client, "agent@test.org")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())

        status, headers, chunks = await asgi_get(app, path, {"cookie": cookie, "range": "bytes=0-"})
        assert status == 206 and b"".join(chunks) == data
        assert headers["content-range"] == f"bytes 0-{SIZE - 1}/{SIZE}" and headers["accept-ranges"] == "bytes"
        assert headers["content-type"] == "audio/wav" and int(headers["content-length"]) == SIZE
        assert len(chunks) >= SIZE // CHUNK and max(len(c) for c in chunks) <= CHUNK

        status, headers, chunks = await asgi_get(app, path, {"cookie": cookie, "range": "bytes=100-199"})
        assert status == 206 and b"".join(chunks) == data[100:200]
        assert headers["content-range"] == f"bytes 100-199/{SIZE}" and headers["accept-ranges"] == "bytes"
        assert int(headers["content-length"]) == 100

        # The same through an ordinary client: exact bytes and headers.
        whole = await client.get(path, headers={"range": "bytes=0-"})
        assert whole.status_code == 206 and whole.content == data
        assert whole.headers["content-range"] == f"bytes 0-{SIZE - 1}/{SIZE}"
        middle = await client.get(path, headers={"range": f"bytes={SIZE - CHUNK - 10}-{SIZE - 6}"})
        assert middle.status_code == 206 and middle.content == data[SIZE - CHUNK - 10 : SIZE - 5]
        tail = await client.get(path, headers={"range": "bytes=-5"})
        assert tail.status_code == 206 and tail.content == data[-5:]
        beyond = await client.get(path, headers={"range": f"bytes={SIZE}-"})
        assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{SIZE}"
        full = await client.get(path)
        assert full.status_code == 200 and full.content == data and full.headers["accept-ranges"] == "bytes"
