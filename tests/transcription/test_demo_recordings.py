"""`qa demo` gives demo calls short espeak-ng recordings and scripted transcripts."""

from __future__ import annotations

import random
import wave
from collections import Counter
from datetime import date, timedelta

import httpx
import numpy as np
import pytest

from qa_app.app import create_app
from qa_app.demo import load_demo
from qa_app.settings import get_settings
from qa_app.tables import Agent, Call
from tests.demo_data import TODAY
from tests.web import HTML, csrf_from
from transcription import demo_recordings
from transcription.tables import Transcription

FULL_MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]


def read_wav(path) -> tuple:
    with wave.open(str(path), "rb") as source:
        params = source.getparams()
        samples = np.frombuffer(source.readframes(params.nframes), dtype="<i2").reshape(-1, params.nchannels).T
    return params, samples


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@pytest.fixture
def espeak():
    if demo_recordings.espeak_missing():
        pytest.fail(f"this test needs {demo_recordings.espeak_missing()} (scripts/bootstrap installs it)")


async def test_demo_calls_carry_recordings_and_scripted_transcripts(espeak, demo_centre):
    messages, logins = demo_centre.messages, demo_centre.logins
    assert any(m.startswith("demo recordings: 12 espeak-ng dialogues") for m in messages), messages
    root = get_settings().recordings_dir
    zone = get_settings().timezone

    # One stereo 8 kHz WAV per dialogue, 20 to 45 seconds long.
    files = {f"demo/{path.name}": path for path in (root / "demo").glob("*.wav")}
    assert len(files) == len(demo_recordings.DIALOGUES) == 12
    lengths = {}
    for name, path in files.items():
        params, _samples = read_wav(path)
        assert (params.nchannels, params.framerate, params.sampwidth) == (2, 8000, 2), name
        lengths[name] = params.nframes / params.framerate
        assert 20 <= lengths[name] <= 45, (name, lengths[name])

    # Answered calls of at least a minute, each linked to a dialogue about its own service.
    recorded = await Call.select(
        Call.id,
        Call.agent,
        Call.offered_at,
        Call.disposition,
        Call.talk_seconds,
        Call.recording_path,
        Call.service.name.as_alias("service_name"),
    ).where(Call.recording_path.is_not_null())
    services = {f"demo/{d.key}.wav": d.service for d in demo_recordings.DIALOGUES}
    assert recorded and all(r["recording_path"] in files for r in recorded)
    assert all(r["disposition"] == "answered" and r["talk_seconds"] >= 60 for r in recorded)
    assert all(r["service_name"] == services[r["recording_path"]] for r in recorded)
    assert len({r["recording_path"] for r in recorded}) == 12  # every dialogue is used

    # Every agent working a whole month has at least six recorded calls in it, spread over it.
    per_month = Counter()
    days = {}
    for r in recorded:
        local = r["offered_at"].astimezone(zone).date()
        per_month[r["agent"], local.replace(day=1)] += 1
        days.setdefault((r["agent"], local.replace(day=1)), set()).add(local)
    agents = await Agent.select(Agent.id, Agent.active_from, Agent.active_to)
    checked = 0
    for agent in agents:
        for first in FULL_MONTHS:
            last = next_month(first) - timedelta(days=1)
            if (
                agent["active_from"]
                and agent["active_from"] > first
                or agent["active_to"]
                and agent["active_to"] < last
            ):
                continue
            checked += 1
            assert per_month[agent["id"], first] >= 6, (agent, first)
            spread = days[agent["id"], first]
            assert max(spread) - min(spread) >= timedelta(days=14), (agent, first, sorted(spread))
    assert checked >= 85  # 28 agents all three months, the leaver and the new starter one each

    # Each recorded call has a finished, scripted transcript whose words lie inside the audio.
    rows = await Transcription.select(
        Transcription.call,
        Transcription.call.recording_path.as_alias("path"),
        Transcription.status,
        Transcription.scripted,
        Transcription.model,
        Transcription.duration,
        Transcription.transcript,
        Transcription.text,
        Transcription.metrics,
    ).output(load_json=True)
    assert sorted(r["call"] for r in rows) == sorted(r["id"] for r in recorded)
    by_path = {}
    for row in rows:
        assert row["status"] == "done" and row["scripted"] and row["model"] == "scripted demo text"
        assert row["duration"] == pytest.approx(lengths[row["path"]], abs=0.01)
        turns = row["transcript"]["turns"]
        assert {t["speaker"] for t in turns} == {"agent", "caller"}
        words = [w for t in turns for w in t["words"]]
        assert all(0 <= w["start"] < w["end"] <= row["duration"] and w["conf"] == 1.0 for w in words)
        assert all(t["words"][0]["start"] == t["start"] and t["words"][-1]["end"] == t["end"] for t in turns)
        assert row["text"] == " ".join(w["word"] for w in words) == row["transcript"]["text"]
        assert row["metrics"]["agent_talk"] > 5 and row["metrics"]["caller_talk"] > 3
        by_path[row["path"]] = row
    # Most agents greet with their name; some dialogues leave it out, one checks a date of birth.
    greetings = ["my name is" in " ".join(r["text"].split()[:12]) for r in by_path.values()]
    assert 6 <= sum(greetings) < len(greetings)
    assert sum("date of birth" in r["text"] for r in by_path.values()) == 1
    assert sum("reference number" in r["text"] for r in by_path.values()) == 1

    # The agent speaks on the left channel only, the caller on the right only: where one speaks
    # and the other does not, the other's channel is silent.
    channel = {"agent": 0, "caller": 1}
    for path, row in by_path.items():
        _params, samples = read_wav(files[path])
        turns = row["transcript"]["turns"]
        for turn in turns:
            own, other = channel[turn["speaker"]], 1 - channel[turn["speaker"]]
            start, end = int(turn["start"] * 8000), int(turn["end"] * 8000)
            assert np.abs(samples[own, start:end]).max() > 5000, (path, turn["text"])
            alone = np.ones(end - start, dtype=bool)
            for t in turns:
                if t["speaker"] != turn["speaker"]:  # word times are rounded to 10 ms: a margin
                    alone[
                        max(0, int((t["start"] - 0.02) * 8000) - start) : max(0, int((t["end"] + 0.02) * 8000) - start)
                    ] = False
            assert alone.sum() > 4000 and not np.any(samples[other, start:end][alone]), (path, turn["text"])
    talk_over = [r for r in by_path.values() if r["metrics"]["overlap"] > 0]
    assert len(talk_over) == 1  # one caller starts before the agent has finished

    # Running `qa demo` again adds nothing.
    again = await load_demo(seed=1, echo=lambda _m: None, today=TODAY)
    assert again == logins and await Transcription.count() == len(rows)

    # The call page plays the recording; its transcript panel says the text is scripted.
    qa_email, qa_password = next((e, p) for role, e, p in logins if role == "qa")
    call_id = random.Random(1).choice(recorded)["id"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(manage_database=False)), base_url="http://testserver"
    ) as client:
        page = await client.get("/login", headers=HTML)
        form = {"email": qa_email, "password": qa_password, "next": "/", "_csrf_token": csrf_from(page.text)}
        assert (await client.post("/login", data=form, headers=HTML)).status_code == 302
        call_page = await client.get(f"/calls/{call_id}", headers=HTML)
        assert call_page.status_code == 200 and '<audio id="recording"' in call_page.text
        panel = await client.get(f"/calls/{call_id}/transcript", headers=HTML)
        assert "Scripted demo text" in panel.text and "Transcribed by scripted demo text" in panel.text
        audio = await client.get(f"/calls/{call_id}/recording")
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"


async def test_without_espeak_the_demo_has_no_recordings_and_says_why(monkeypatch):
    monkeypatch.setattr(demo_recordings, "ESPEAK", "espeak-ng-not-installed-here")
    messages: list[str] = []
    assert await demo_recordings.add_demo_recordings(random.Random(1), messages.append) == 0
    assert messages == [
        "no demo recordings or transcripts: espeak-ng-not-installed-here is not installed (apt install espeak-ng)"
    ]


def test_word_times_cover_the_turn_in_order():
    words = demo_recordings.timed_words("Good morning, City Council, my name is Sam.", 1.0, 4.0)
    assert [w.word for w in words] == ["good", "morning", "city", "council", "my", "name", "is", "sam"]
    assert words[0].start == 1.0 and words[-1].end == 4.0
    assert all(a.end <= b.start for a, b in zip(words, words[1:], strict=False))
    assert words[1].end - words[1].start > words[4].end - words[4].start  # "morning" takes longer than "my"
