"""The resident's survey page as a resident on a cheap phone meets it (issue 18), in process on a
real database (SQLite and PostgreSQL): the council's name and logo head every page; a recording
too large or of the wrong type comes back as the page's own error in the resident's language
with every other answer kept; when another answer is at fault the page asks for the recording
again; the size limit stands beside the file button; a used link answers in the language its
survey was answered in; scales are rows of cells, with no inline style or script. The sizes on a
360-pixel screen are measured in Chromium: tests/browser/test_survey_phone.py."""

from __future__ import annotations

import io
import re
import struct
import wave
import zlib
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from qa_app.app import create_app
from qa_app.settings import ConfigError, get_settings, reset_settings
from surveys import invitations, voice
from surveys.tables import SurveyResponse

HTML = {"accept": "text/html"}


def png(width: int = 4, height: int = 2, colour: bytes = b"\x0b\x5c\xad") -> bytes:
    """A small, valid PNG of one colour (the survey's blue)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + colour * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def silence_wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


@pytest.fixture
async def client(centre):
    app = create_app(manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def council(clean_db, monkeypatch, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    monkeypatch.setenv("QA_COUNCIL_NAME", "Municipality of  Eastbrook")
    monkeypatch.setenv("QA_COUNCIL_LOGO", str(logo))
    reset_settings()
    yield logo
    monkeypatch.delenv("QA_COUNCIL_NAME")
    monkeypatch.delenv("QA_COUNCIL_LOGO")
    reset_settings()


async def _link(language: str = "") -> str:
    now = datetime.now(timezone.utc)
    link = (await invitations.create_invitations(now - timedelta(days=3), now))[0]
    if language:
        from surveys.tables import SurveyInvitation

        await SurveyInvitation.update({SurveyInvitation.language: language}).where(
            SurveyInvitation.token_hash == invitations.token_hash(link.token)
        )
    return f"/s/{link.token}"


def _checked(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]+)" checked', page)
    return found.group(1) if found else None


async def test_the_council_name_and_logo_head_the_survey_and_thank_you_pages(council, client, centre):
    url = await _link()
    page = await client.get(url, headers=HTML)
    assert '<header class="council">' in page.text
    assert '<img src="/s/council-logo" alt="" class="logo">' in page.text
    assert '<p class="council-name">Municipality of Eastbrook</p>' in page.text  # spaces tidied
    assert "<title>How did we do? – Municipality of Eastbrook</title>" in page.text
    logo = await client.get("/s/council-logo")
    assert logo.status_code == 200 and logo.content == council.read_bytes()
    assert logo.headers["content-type"] == "image/png" and logo.headers["x-content-type-options"] == "nosniff"
    done = await client.post(url, data={"satisfaction": "4", "lang": "en"}, headers=HTML)
    assert done.status_code == 200 and "Your answers have reached us" in done.text
    assert '<p class="council-name">Municipality of Eastbrook</p>' in done.text and "/s/council-logo" in done.text
    unknown = await client.get("/s/not-a-real-token", headers=HTML)
    assert "Municipality of Eastbrook" in unknown.text


async def test_without_a_council_setting_there_is_no_header_and_no_logo(client, centre):
    page = await client.get(await _link(), headers=HTML)
    assert page.status_code == 200 and "<header" not in page.text and "council-logo" not in page.text
    assert (await client.get("/s/council-logo")).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "must be a"),
        ("logo.png", b"<html>not an image</html>", "is not a .png image"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024), "at most 512 KB"),
        ("missing.png", None, "no file at"),
    ],
)
def test_a_council_logo_that_is_not_a_safe_image_is_refused_at_start(monkeypatch, tmp_path, name, content, reason):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("QA_COUNCIL_NAME", "Eastbrook")
    monkeypatch.setenv("QA_COUNCIL_LOGO", str(path))
    reset_settings()
    try:
        with pytest.raises(ConfigError, match=reason):
            get_settings()
        monkeypatch.delenv("QA_COUNCIL_NAME")
        with pytest.raises(ConfigError, match="needs QA_COUNCIL_NAME"):
            get_settings()
    finally:
        monkeypatch.delenv("QA_COUNCIL_LOGO")
        reset_settings()


async def test_a_recording_too_large_comes_back_in_swedish_with_every_other_answer_kept(client, centre):
    url = await _link()
    blank = await client.get(f"{url}?lang=sv", headers=HTML)
    # The limit beside the button, tied to it for screen readers.
    assert 'aria-describedby="h-voice"' in blank.text
    assert '<span class="hint" id="h-voice">Högst 10 MB och 5 min.</span>' in blank.text
    answers = {"lang": "sv", "satisfaction": "2", "resolved": "partly", "effort": "6", "recommend": "3"}
    answers["comment"] = "Jag fick vänta länge & <inget> svar"
    large = b"\x00" * (12 * 1024 * 1024)
    refused = await client.post(url, data=answers, files={"voice": ("röst.m4a", large, "audio/mp4")}, headers=HTML)
    assert refused.status_code == 400 and '<html lang="sv">' in refused.text
    message = "Inspelningen är 12 MB; en inspelning får vara högst 10 MB. Dina andra svar finns kvar: bifoga din inspelning igen."
    assert f'<p class="error" id="e-voice">{message}</p>' in refused.text
    assert 'aria-invalid="true" aria-describedby="e-voice h-voice"' in refused.text
    assert f'<a href="#q-voice">Eller säg det: en röstinspelning från din telefon</a>: {message}' in refused.text
    for code in ("satisfaction", "resolved", "effort", "recommend"):
        assert _checked(refused.text, code) == answers[code], code
    assert "Jag fick vänta länge &amp; &lt;inget&gt; svar</textarea>" in refused.text
    assert await SurveyResponse.count() == 0
    # Attached again, smaller: the answer goes in with the recording kept.
    done = await client.post(url, data=answers, files={"voice": ("röst.wav", silence_wav(), "audio/wav")}, headers=HTML)
    assert done.status_code == 200 and "Dina svar har kommit fram" in done.text
    response = await SurveyResponse.select().first()
    assert response["effort"] == 6 and response["voice_path"]
    await voice.transcriber_finished()


async def test_a_recording_of_the_wrong_type_comes_back_in_dutch_with_the_answers_kept(client, centre):
    url = await _link("nl")
    refused = await client.post(
        url,
        data={"satisfaction": "5", "recommend": "10", "comment": "Prima"},
        files={"voice": ("notities.txt", b"hallo", "text/plain")},
        headers=HTML,
    )
    assert refused.status_code == 400 and '<html lang="nl">' in refused.text
    assert "Kies een geluidsopname" in refused.text and "voeg uw opname opnieuw toe." in refused.text
    assert _checked(refused.text, "satisfaction") == "5" and _checked(refused.text, "recommend") == "10"
    assert "Prima</textarea>" in refused.text and await SurveyResponse.count() == 0


async def test_when_another_answer_has_an_error_the_page_asks_for_the_recording_again(client, centre):
    url = await _link()
    refused = await client.post(
        url,
        data={"lang": "en", "recommend": "8", "comment": "Quick and kind"},
        files={"voice": ("comment.wav", silence_wav(), "audio/wav")},
        headers=HTML,
    )
    assert refused.status_code == 400
    again = "Your recording was not kept because another answer needs checking: please attach it again."
    assert 'id="e-satisfaction">Please choose an answer.' in refused.text
    assert f'<a href="#q-voice">Or say it: a voice recording from your phone</a>: {again}' in refused.text
    assert f'<p class="error" id="e-voice">{again}</p>' in refused.text
    assert (
        'aria-describedby="e-voice h-voice"' in refused.text
        and 'aria-invalid="true" aria-describedby="e-voice' not in refused.text
    )
    assert _checked(refused.text, "recommend") == "8" and "Quick and kind</textarea>" in refused.text
    # Without a recording, nothing is said about one.
    plain = await client.post(url, data={"lang": "en", "recommend": "8"}, headers=HTML)
    assert plain.status_code == 400 and again not in plain.text and 'id="e-voice"' not in plain.text


async def test_a_used_link_answers_in_the_language_the_survey_was_answered_in(client, centre):
    url = await _link("en")  # sent in English; the resident switched to Dutch and answered
    done = await client.post(url, data={"lang": "nl", "satisfaction": "4"}, headers=HTML)
    assert done.status_code == 200 and '<html lang="nl">' in done.text
    for asked in (url, f"{url}?lang=en", f"{url}?lang=sv"):
        again = await client.get(asked, headers={**HTML, "accept-language": "en-GB,en;q=0.9"})
        assert again.status_code == 200 and '<html lang="nl">' in again.text, asked
        assert "Uw antwoorden zijn al binnen" in again.text and "<form" not in again.text
    twice = await client.post(url, data={"lang": "en", "satisfaction": "1"}, headers=HTML)
    assert "Uw antwoorden zijn al binnen" in twice.text and await SurveyResponse.count() == 1


async def test_scales_are_rows_of_cells_with_their_end_labels_under_them(client, centre):
    page = (await client.get(await _link("nl"), headers=HTML)).text
    assert "<script" not in page and "style=" not in page and "<style" not in page  # the CSP allows neither
    for code, count, first, last in (
        ("effort", 7, "Heel makkelijk", "Heel moeilijk"),
        ("recommend", 11, "Helemaal niet waarschijnlijk", "Zeer waarschijnlijk"),
    ):
        fieldset = re.search(rf'<fieldset id="q-{code}".*?</fieldset>', page, re.S).group(0)
        scale, ends = fieldset.index('<div class="scale">'), fieldset.index('<div class="ends"')
        assert scale < ends  # the end labels under the row
        assert len(re.findall(r'<label class="cell"><input type="radio"', fieldset)) == count
        assert f'<div class="ends" aria-hidden="true"><span>{first}</span><span>{last}</span></div>' in fieldset
    # Satisfaction stays a list with its words.
    satisfaction = re.search(r'<fieldset id="q-satisfaction".*?</fieldset>', page, re.S).group(0)
    assert '<div class="choices">' in satisfaction and "5 – Zeer tevreden" in satisfaction


async def test_a_recording_just_over_the_limit_is_never_said_to_be_at_the_limit(client, centre):
    url = await _link("nl")
    over = b"\x00" * (voice.VOICE_LIMIT_BYTES + 1)
    refused = await client.post(url, data={"satisfaction": "3"}, files={"voice": ("a.mp3", over, "audio/mpeg")})
    assert refused.status_code == 400
    assert "De opname is 10,1 MB; een opname mag maximaal 10 MB zijn." in refused.text
    assert _checked(refused.text, "satisfaction") == "3"
