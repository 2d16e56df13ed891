"""Short recordings and scripted transcripts for the demo centre, so that the call and marking
pages look as they will with a real English model.

A dozen short scripted dialogues (agent and resident, 20-45 s each) are spoken by espeak-ng,
one voice per side, into stereo 8 kHz WAVs like a call recorder's: the agent on the
`QA_AGENT_CHANNEL` side (left by default), the resident on the other, turns one after another
with short pauses. They are rendered once per `qa demo` into `$QA_RECORDINGS_DIR/demo/`, and
about ten answered calls per agent and month, on a service one of the dialogues is about, link
to one of them (calls share the files). Each such call gets a finished transcription marked as
scripted: the script's words, lower-case and without punctuation as a speech engine writes
them, timed over the span each turn actually takes in the audio.

Some dialogues break the house style on purpose, so that marking has something to find: no
name in the greeting, no closing question, a reference number given, a date-of-birth check.
Without espeak-ng the demo has no recordings and says so in one line.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from qa_app.i18n import _
from qa_app.settings import get_settings
from qa_app.tables import Call, Service
from transcription import search
from transcription.metrics import talk_metrics
from transcription.tables import Status, Transcription
from transcription.transcript import Transcript, Turn, Word

ESPEAK = "espeak-ng"
SAMPLE_RATE = 8000
FOLDER = "demo"  # under QA_RECORDINGS_DIR
MODEL_NAME = "scripted demo text"
CALLS_PER_AGENT_MONTH = 10
MIN_TALK_SECONDS = 60
AGENT_VOICE = ("-v", "en-gb", "-s", "160")
CALLER_VOICES = {
    "f": ("-v", "en-gb-scotland+f3", "-s", "165", "-p", "60"),
    "m": ("-v", "en-us", "-s", "170", "-p", "35"),
    "f2": ("-v", "en-gb-x-rp+f4", "-s", "160", "-p", "55"),
}
LEAD_IN, TAIL = 0.4, 0.6  # seconds of silence before the first and after the last turn
SILENCE_LEVEL = 0.01  # below this (of full scale) espeak-ng's output counts as silence
PEAK = 0.6  # each turn is scaled to this peak level


@dataclass(frozen=True)
class Line:
    speaker: str  # "agent" or "caller"
    text: str
    gap: float | None = None  # seconds after the previous turn ends; None: a short natural pause


@dataclass(frozen=True)
class Dialogue:
    key: str
    service: str  # the demo catalogue's service this call is about
    caller_voice: str
    lines: tuple[Line, ...]


def A(text: str, gap: float | None = None) -> Line:
    """The agent's line (A and C make the dialogues below read like a script)."""
    return Line("agent", text, gap)


def C(text: str, gap: float | None = None) -> Line:
    """The caller's line."""
    return Line("caller", text, gap)


CLOSING = "Is there anything else I can help with?"

DIALOGUES: tuple[Dialogue, ...] = (
    Dialogue(
        "missed-bin",
        "Missed bin collection",
        "f",
        (
            A("Good morning, City Council, my name is Sam. How can I help you today?"),
            C("Hello. My green recycling bin was not emptied this morning, but the rest of the street's were."),
            A("I'm sorry about that. Can I take the first line of your address, please?"),
            C("Yes, it's twelve Orchard Road."),
            A(
                "Thank you. The crew reported the road was blocked by parked cars. I will book a return collection "
                "for tomorrow, so please leave the bin out by seven in the morning."
            ),
            C("Tomorrow is fine, thank you."),
            A(CLOSING),
            C("No, that's all."),
            A("Thank you for calling. Goodbye."),
        ),
    ),
    Dialogue(
        "council-tax-bill",
        "Council tax bill query",
        "m",
        (
            A("Good morning, City Council, my name is Sam. How can I help?"),
            C("Hi. My council tax bill has gone up much more than I expected."),
            A("I can look into that. For data protection, can you confirm your full name and date of birth?"),
            C("Daniel Hughes, the third of May, nineteen seventy eight."),
            A("Thank you, Mr Hughes. Your single person discount ended in April, as a second adult lives with you."),
            C("That's my son. He is a student, so he shouldn't count."),
            A(
                "That's right, students are not counted. Send us his student certificate and we will restore the "
                "discount."
            ),
            C("Great, I'll send it today."),
            A(CLOSING + " Thank you for calling."),
        ),
    ),
    Dialogue(
        "parking-permit",
        "Residents' parking permit",
        "f2",
        (
            A("Good morning, City Council, how can I help?"),
            C("Hello, I have just moved into a residents' parking zone and I need a permit for my car."),
            A("I can take the application now. Are you the registered keeper of the car?"),
            C("Yes, it's in my name, at the new address."),
            A(
                "Thank you. The permit costs sixty pounds a year. I will send you a payment link by text message, "
                "and the permit starts as soon as it is paid."
            ),
            C("Perfect, thanks very much."),
            A(CLOSING),
            C("No, that's everything."),
            A("Thank you for calling. Goodbye."),
        ),
    ),
    Dialogue(
        "pothole",
        "Pothole report",
        "m",
        (
            A("Good afternoon, City Council, my name is Sam, how can I help?"),
            C(
                "There's a big pothole on Mill Lane, just past the primary school. A cyclist nearly came off "
                "this morning."
            ),
            A("Thank you for reporting it. Is it in the road or on the pavement?"),
            C("In the road, next to the drain. It's about the size of a dinner plate."),
            A(
                "I have logged it as urgent because it is near the school. Your reference number is four seven "
                "two nine one, and an inspector will visit within two working days."
            ),
            C("Four seven two nine one. Got it."),
            A(CLOSING + " Thank you for calling."),
        ),
    ),
    Dialogue(
        "boiler-repair",
        "Council house repair",
        "f",
        (
            A("Good morning, City Council, my name is Sam."),
            C("Hello, I'm a council tenant. The boiler in my flat has stopped working and we have no hot water."),
            A("Is there any heating at all, and is anyone in the household vulnerable?"),
            C("No heating either. My mother lives with me, and she is eighty four."),
            A("Then it is an emergency repair. An engineer will come today, between two and six in the afternoon."),
            C("Thank goodness. We will be in."),
            A("Okay, bye."),
        ),
    ),
    Dialogue(
        "bulky-waste",
        "Bulky waste pick-up",
        "f2",
        (
            A("Good morning, City Council, my name is Sam. How can I help you?"),
            C("I'd like to book a collection for an old sofa and a fridge."),
            A("Let me check the calendar for your area. One moment, please."),
            A(
                "Thank you for waiting. The next free date is Thursday. It costs thirty five pounds for up to "
                "three items.",
                gap=5.0,
            ),
            C("Thursday is fine. Can I add a mattress as well?"),
            A("Yes, that makes three items. Please put them outside by seven in the morning."),
            A(CLOSING + " Thank you for calling."),
        ),
    ),
    Dialogue(
        "council-tax-payment",
        "Council tax payment",
        "m",
        (
            A("Good morning, City Council, my name is Sam. How can I help?"),
            C("I want to pay this month's council tax. I missed the direct debit."),
            A(
                "No problem. So that your card details stay safe, I will put you through to our automated "
                "payment line. You will need your account number from the bill."
            ),
            C("Okay, I have the bill here."),
            A("Would you like me to set up the direct debit again for next month as well?"),
            C("Yes please, same bank account as before."),
            A("That's done. Is there anything else I can help with? Thank you for calling, I'm transferring you now."),
        ),
    ),
    Dialogue(
        "street-light",
        "Street light not working",
        "f",
        (
            A("City Council, hello."),
            C("Hi, the street light outside number forty on Station Road has been flashing on and off for a week."),
            A("Right. Is it the one by the bus stop?"),
            C("Yes, that's the one."),
            A("I have reported it. The lighting team usually fixes these within seven working days."),
            C("Okay. It's quite dark there at night."),
            A("Yeah. Bye then."),
        ),
    ),
    Dialogue(
        "stolen-bin",
        "New or replacement bin",
        "m",
        (
            A("Good morning, City Council, my name is Sam, what can I do for you today?"),
            C("Sorry, hello, my wheelie bin has been stolen, can I get a new one?", gap=-0.8),
            A("I'm sorry to hear that. A replacement general waste bin is delivered free of charge."),
            C("Oh good. How long does it take?"),
            A(
                "Delivery is within ten working days. Until then, you can put your rubbish out in tied bags "
                "on your usual collection day."
            ),
            C("Brilliant, thank you."),
            A(CLOSING),
            C("No, thanks."),
            A("Thank you for calling."),
        ),
    ),
    Dialogue(
        "noise-complaint",
        "Noise complaint",
        "f2",
        (
            A("Good evening, City Council, my name is Sam. How can I help?"),
            C("My neighbours play loud music every night until two in the morning. I can't sleep."),
            A(
                "I'm sorry, that sounds exhausting. I will open a noise case and the team will send you diary "
                "sheets to record each time it happens."
            ),
            C("And then what happens?"),
            A("An officer reviews the diary after two weeks and can visit or install recording equipment."),
            C("All right, I'll keep the diary."),
            A(CLOSING + " Thank you for calling."),
        ),
    ),
    Dialogue(
        "birth-registration",
        "Birth registration appointment",
        "f",
        (
            A("Good morning, City Council, my name is Sam. How can I help you today?"),
            C("Hello, we had a baby girl last week and we need to register the birth."),
            A(
                "Congratulations! I can book you an appointment at the register office. Would Tuesday morning "
                "at ten suit you?"
            ),
            C("Tuesday at ten is perfect."),
            A(
                "Please bring the red book from the hospital and some proof of address. Both parents should come "
                "if you want both names on the certificate."
            ),
            C("We will, thank you so much."),
            A(CLOSING + " Thank you for calling."),
        ),
    ),
    Dialogue(
        "rent-arrears",
        "Rent payment",
        "m",
        (
            A("Good morning, City Council, my name is Sam. How can I help?"),
            C("I got a letter saying I'm behind on my rent. I lost some hours at work."),
            A(
                "Thank you for calling us early, that really helps. We can set up an affordable plan to clear "
                "the arrears."
            ),
            C("Could I pay an extra ten pounds a week?"),
            A(
                "Yes, I've set that up from next Monday. I'll also ask the money advice team to call you about "
                "housing benefit."
            ),
            C("That would be a big help."),
            A(CLOSING + " Thank you for calling."),
        ),
    ),
)


@dataclass
class Rendered:
    """One dialogue spoken into a file, and the transcript every call linked to it gets."""

    dialogue: Dialogue
    recording_path: str  # relative to QA_RECORDINGS_DIR
    transcript: dict[str, Any]
    text: str
    duration: float
    metrics: dict[str, Any]


def espeak_missing() -> str | None:
    """Why recordings cannot be made here, or None."""
    if shutil.which(ESPEAK) is None:
        return f"{ESPEAK} is not installed (apt install espeak-ng)"
    return None


def spoken_words(text: str) -> list[str]:
    """The words as a speech engine writes them: lower case, no punctuation but apostrophes."""
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def speak(text: str, voice: tuple[str, ...], folder: Path) -> np.ndarray:
    """espeak-ng's speech for `text`, as floats at SAMPLE_RATE, without leading or trailing silence."""
    handle, name = tempfile.mkstemp(suffix=".wav", dir=folder)
    os.close(handle)
    try:
        subprocess.run([ESPEAK, *voice, "-w", name, text], check=True, capture_output=True, timeout=60)
        with wave.open(name, "rb") as source:
            rate = source.getframerate()
            samples = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2").astype(np.float64)
    finally:
        Path(name).unlink(missing_ok=True)
    samples = resample_poly(samples / 32768.0, SAMPLE_RATE, rate)
    loud = np.flatnonzero(np.abs(samples) > SILENCE_LEVEL)
    if not len(loud):
        raise RuntimeError(f"{ESPEAK} produced no audible speech for {text[:40]!r}")
    samples = samples[loud[0] : loud[-1] + 1]
    return samples * (PEAK / np.max(np.abs(samples)))


def timed_words(text: str, start: float, end: float) -> list[Word]:
    """The turn's words over its audio span, from its first sound to its last, each taking time
    in proportion to its length (a fair stand-in for syllables), with a short gap between words."""
    words = spoken_words(text)
    weights = [len(w) + 2 for w in words]
    scale = (end - start) / sum(weights)
    result, at = [], start
    for index, (word, weight) in enumerate(zip(words, weights, strict=True)):
        span = weight * scale
        last = index == len(words) - 1
        result.append(Word(word, round(at, 2), round(end if last else at + span * 0.85, 2), 1.0))
        at += span
    return result


def render(dialogue: Dialogue, folder: Path, agent_channel: int) -> Rendered:
    """Speak a dialogue into `folder/<key>.wav` and build its transcript from where each turn lands."""
    pauses = random.Random(dialogue.key)  # the same file whatever the demo's seed
    spoken = [
        speak(line.text, AGENT_VOICE if line.speaker == "agent" else CALLER_VOICES[dialogue.caller_voice], folder)
        for line in dialogue.lines
    ]
    placed: list[tuple[Line, int, np.ndarray]] = []
    cursor = int(LEAD_IN * SAMPLE_RATE)
    for line, samples in zip(dialogue.lines, spoken, strict=True):
        gap = line.gap if line.gap is not None else pauses.uniform(0.35, 0.9)
        start = max(0, cursor + int(gap * SAMPLE_RATE)) if placed else cursor
        placed.append((line, start, samples))
        cursor = max(cursor, start + len(samples))
    length = cursor + int(TAIL * SAMPLE_RATE)
    channels = np.zeros((2, length))
    turns = []
    for line, start, samples in placed:
        side = agent_channel if line.speaker == "agent" else 1 - agent_channel
        channels[side, start : start + len(samples)] += samples
        begin, end = start / SAMPLE_RATE, (start + len(samples)) / SAMPLE_RATE
        turns.append(Turn(speaker=line.speaker, words=timed_words(line.text, begin, end)))
    pcm = (np.clip(channels, -1, 1) * 32767).round().astype("<i2")
    target = folder / f"{dialogue.key}.wav"
    with wave.open(str(target), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.T.tobytes())
    transcript = Transcript(turns=turns, duration=length / SAMPLE_RATE)
    return Rendered(
        dialogue=dialogue,
        recording_path=f"{FOLDER}/{target.name}",
        transcript=transcript.as_json(),
        text=transcript.text,
        duration=round(transcript.duration, 3),
        metrics=talk_metrics(transcript).as_json(),
    )


def render_all(root: Path, agent_channel: int) -> list[Rendered]:
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda d: render(d, folder, agent_channel), DIALOGUES))


def pick_calls(rows: list[dict], rng: random.Random, zone) -> list[dict]:
    """About CALLS_PER_AGENT_MONTH calls per agent and month, spread over the month: the
    agent's calls of the month in time order are cut into that many runs, one call from each."""
    groups: dict[tuple[int, date], list[dict]] = {}
    for row in rows:
        local = row["offered_at"].astimezone(zone)
        groups.setdefault((row["agent"], date(local.year, local.month, 1)), []).append(row)
    picked = []
    for key in sorted(groups):
        calls = sorted(groups[key], key=lambda r: (r["offered_at"], r["id"]))
        runs = min(CALLS_PER_AGENT_MONTH, len(calls))
        for index in range(runs):
            run = calls[index * len(calls) // runs : (index + 1) * len(calls) // runs]
            picked.append(rng.choice(run))
    return picked


async def add_demo_recordings(rng: random.Random, echo: Callable[[str], None]) -> int:
    """Render the dialogues and link demo calls to them with scripted transcripts; returns how
    many calls got one. Runs inside the demo's write transaction."""
    settings = get_settings()
    reason = espeak_missing()
    rendered: list[Rendered] = []
    if reason is None:
        try:
            rendered = await asyncio.to_thread(render_all, settings.recordings_dir, settings.agent_channel)
        except (OSError, subprocess.SubprocessError, RuntimeError) as error:
            reason = f"{ESPEAK} failed: {error}"
    if reason:
        echo(_("no demo recordings or transcripts: %(reason)s") % {"reason": reason})
        return 0
    services = {r["name"]: r["id"] for r in await Service.select(Service.id, Service.name)}
    by_service: dict[int, list[Rendered]] = {}
    for item in rendered:
        by_service.setdefault(services[item.dialogue.service], []).append(item)
    rows = await Call.select(Call.id, Call.agent, Call.offered_at, Call.ended_at, Call.service).where(
        (Call.disposition == "answered")
        & (Call.talk_seconds >= MIN_TALK_SECONDS)
        & Call.agent.is_not_null()
        & Call.service.is_in(list(by_service))
    )
    picked = pick_calls(rows, rng, settings.timezone)
    links: dict[str, list[int]] = {}
    transcriptions = []
    for call in picked:
        item = rng.choice(by_service[call["service"]])
        links.setdefault(item.recording_path, []).append(call["id"])
        finished = (call["ended_at"] or call["offered_at"]) + timedelta(minutes=rng.randint(5, 90))
        transcriptions.append(
            Transcription(
                call=call["id"],
                status=Status.done,
                attempts=1,
                created_at=call["ended_at"] or call["offered_at"],
                finished_at=min(finished, datetime.now(timezone.utc)),
                model=MODEL_NAME,
                duration=item.duration,
                text=item.text,
                transcript=item.transcript,
                metrics=item.metrics,
                scripted=True,
            )
        )
    for path, ids in links.items():
        for start in range(0, len(ids), 500):
            await Call.update({Call.recording_path: path}).where(Call.id.is_in(ids[start : start + 500]))
    for start in range(0, len(transcriptions), 200):
        await Transcription.insert(*transcriptions[start : start + 200])
    await search.index_calls([call["id"] for call in picked])  # searchable like any finished transcript
    echo(
        _(
            "demo recordings: %(dialogues)s espeak-ng dialogues in %(folder)s, %(calls)s calls linked with scripted transcripts"
        )
        % {"dialogues": len(rendered), "folder": settings.recordings_dir / FOLDER, "calls": len(picked)}
    )
    return len(picked)


async def load(*, seed: int, today: date, echo: Callable[[str], None]) -> None:
    """The demo step: recordings on some of the demo's calls, once (none without espeak-ng)."""
    if await Transcription.exists().where(Transcription.model == MODEL_NAME):
        return
    await add_demo_recordings(random.Random(seed + 7), echo)
