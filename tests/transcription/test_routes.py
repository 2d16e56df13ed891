"""The transcript on the call page, corrections with their error rates, the accuracy page."""

from __future__ import annotations

import re

import pytest

from tests.web import HTML, csrf_from, login
from transcription.accuracy import score
from transcription.tables import Transcription

MACHINE = {
    "text": "hello city hall my bin was mist",
    "duration": 9.0,
    "turns": [
        {
            "speaker": "agent",
            "start": 0.5,
            "end": 1.6,
            "text": "hello city hall",
            "words": [
                {"word": "hello", "start": 0.5, "end": 0.8, "conf": 0.9},
                {"word": "city", "start": 0.9, "end": 1.2, "conf": 0.95},
                {"word": "hall", "start": 1.3, "end": 1.6, "conf": 0.4},
            ],
        },
        {
            "speaker": "caller",
            "start": 2.0,
            "end": 3.4,
            "text": "my bin was mist",
            "words": [
                {"word": "my", "start": 2.0, "end": 2.2, "conf": 0.9},
                {"word": "bin", "start": 2.3, "end": 2.6, "conf": 0.9},
                {"word": "was", "start": 2.7, "end": 2.9, "conf": 0.9},
                {"word": "mist", "start": 3.0, "end": 3.4, "conf": 0.6},
            ],
        },
    ],
}


@pytest.fixture
async def transcribed(centre):
    own_call = centre["calls"][centre["agents"]["1"]][0]
    other_call = centre["calls"][centre["agents"]["2"]][0]
    await Transcription.insert(
        Transcription(
            call=own_call,
            status="done",
            text=MACHINE["text"],
            transcript=MACHINE,
            duration=9.0,
            model="vosk-small-en",
            metrics={
                "agent_talk": 1.1,
                "caller_talk": 1.4,
                "silence_share": 0.6,
                "longest_silence": 0.4,
                "overlap": 0.0,
                "agent_words_per_minute": 163.6,
            },
        ),
        Transcription(
            call=other_call,
            status="failed",
            reason="the file is truncated: it holds 1.0 s of the 3.0 s its header declares",
        ),
    )
    return own_call, other_call


async def test_the_agent_reads_their_own_transcript_only(client, transcribed):
    own_call, other_call = transcribed
    await login(client, "agent@test.org")
    panel = await client.get(f"/calls/{own_call}/transcript", headers=HTML)
    assert panel.status_code == 200
    words = re.findall(r'<span class="w( unsure)?" data-start="([\d.]+)" data-end="[\d.]+">(\w+)</span>', panel.text)
    assert [(w[2], w[1]) for w in words][:3] == [("hello", "0.5"), ("city", "0.9"), ("hall", "1.3")]
    assert words[2][0] == " unsure"  # confidence 0.4
    assert "Caller" in panel.text and "Correct the transcript" not in panel.text
    assert (await client.get(f"/calls/{other_call}/transcript", headers=HTML)).status_code == 404
    token = csrf_from((await client.get("/", headers=HTML)).text)
    refused = await client.post(f"/calls/{own_call}/transcript", data={"text": "x", "_csrf_token": token}, headers=HTML)
    assert refused.status_code == 403
    call_page = await client.get(f"/calls/{own_call}", headers=HTML)
    assert f'hx-get="/calls/{own_call}/transcript"' in call_page.text


async def test_qa_corrects_a_transcript_and_sees_the_error_rates(client, transcribed):
    own_call, other_call = transcribed
    await login(client, "qa@test.org")
    failed = await client.get(f"/calls/{other_call}/transcript", headers=HTML)
    assert "Transcription failed: the file is truncated" in failed.text
    token = csrf_from((await client.get("/", headers=HTML)).text)
    corrected = "Hello, City Hall. My bin was missed!"
    response = await client.post(
        f"/calls/{own_call}/transcript", data={"text": corrected, "_csrf_token": token}, headers=HTML
    )
    assert response.status_code == 200
    expected = score(corrected, MACHINE["text"])
    assert (expected.word_errors, expected.ref_words) == (1, 7)  # "mist" for "missed"
    row = (
        await Transcription.select(
            Transcription.corrected_text, Transcription.word_errors, Transcription.ref_words, Transcription.text
        )
        .where(Transcription.call == own_call)
        .first()
    )
    assert row == {
        "corrected_text": corrected,
        "word_errors": 1,
        "ref_words": 7,
        "text": MACHINE["text"],
    }  # machine text kept
    assert "word error rate of 14.3%" in response.text

    empty = await client.post(f"/calls/{own_call}/transcript", data={"text": "   ", "_csrf_token": token}, headers=HTML)
    assert empty.status_code == 400 and "the corrected text is empty" in empty.text
    not_done = await client.post(
        f"/calls/{other_call}/transcript", data={"text": "hello", "_csrf_token": token}, headers=HTML
    )
    assert not_done.status_code == 400 and "no finished transcript" in not_done.text

    accuracy = await client.get("/transcription/accuracy", headers=HTML)
    assert re.search(
        r"<td>vosk-small-en</td><td class=\"num\">1</td><td class=\"num\">7</td><td class=\"num\">14.3%</td>",
        accuracy.text,
    )
    assert "1 transcribed" in accuracy.text and "1 failed" in accuracy.text
