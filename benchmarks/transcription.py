"""Our transcription pipeline against `vosk-transcriber` (shipped with the vosk package) on
realistic call recordings, same model, same files, both cores, in one run (issue 16).

    .venv/bin/python benchmarks/transcription.py [--minutes 10] [--model PATH] [--beams 8,6]

The calls: stereo 8 kHz mu-law as a call recorder writes them, the agent on the left channel and
the caller on the right, taking turns with pauses between them, a little line noise and echo of
the other side, and hold music (a melody, on the agent's channel) in a third of the calls. The
speech is espeak-ng's Korean (the test model is Korean); each call keeps a reference text per
speaker.

vosk-transcriber mixes each file down to mono (`ffmpeg -ac 1`) and decodes all of it, on a
thread pool of os.cpu_count() threads. Our pipeline (transcription.batch.transcribe_recording,
as `qa worker` runs it) keeps the two speakers apart and decodes only the speech that
voice-activity detection finds in each channel, in worker processes as `qa transcribe` chooses.

It prints call-minutes transcribed per minute for each, their ratio, the CER of each (theirs
against the whole call's words in order, ours against each speaker's), our speed-up from 1 to 2
workers, the CER and throughput at each recogniser beam tried, and how long the demo centre's
busiest day of recordings would take here at the measured rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATE = 8000
AGENT_SENTENCES = [
    "안녕하세요 시청 민원실입니다 무엇을 도와드릴까요",
    "잠시만 기다려 주세요 확인해 보겠습니다",
    "접수 번호를 알려 드리겠습니다",
    "담당 부서로 연결해 드리겠습니다",
    "주소를 말씀해 주시겠어요",
    "내일 오전에 수거 차량이 방문할 예정입니다",
    "신청서는 홈페이지에서 내려받으실 수 있습니다",
    "감사합니다 좋은 하루 보내세요",
]
CALLER_SENTENCES = [
    "쓰레기 수거가 안 되었어요 확인해 주세요",
    "주차 허가증을 신청하고 싶습니다",
    "가로등이 고장 났어요 언제 고쳐 주시나요",
    "재산세 고지서에 대해 문의드립니다",
    "도로에 큰 구멍이 생겼습니다 위험해요",
    "출생 신고는 어디서 하나요",
    "도서관 운영 시간이 어떻게 되나요",
    "이웃집 소음 때문에 잠을 잘 수가 없어요",
    "네 알겠습니다 고맙습니다",
]
NOTES_HZ = [262, 294, 330, 392, 440, 523, 587, 659]  # a pentatonic-ish tune for the hold music
ECHO_DB = -30.0  # the other side heard faintly on each channel
NOISE_RMS = 30.0  # line noise, about 60 dB below full scale


@dataclass
class Call:
    path: Path
    agent: str  # what the agent says, in order
    caller: str
    both: str  # the whole call's words in the order they are spoken
    seconds: float
    hold: float  # seconds of hold music


def speak(folder: Path, text: str, speed: int, pitch: int) -> np.ndarray:
    raw = folder / "raw.wav"
    subprocess.run(
        ["espeak-ng", "-v", "ko", "-s", str(speed), "-p", str(pitch), "-w", str(raw), text],
        check=True,
        capture_output=True,
    )
    resampled = folder / "raw8k.wav"
    subprocess.run(
        ["sox", "-D", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(resampled)],
        check=True,
        capture_output=True,
    )
    with wave.open(str(resampled)) as handle:
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(float)


def hold_music(seconds: float, rng: random.Random) -> np.ndarray:
    """A tune: notes of 0.25 to 0.5 s with two overtones and a soft attack and decay."""
    pieces, total = [], int(seconds * RATE)
    while sum(len(p) for p in pieces) < total:
        length = int(rng.uniform(0.25, 0.5) * RATE)
        t = np.arange(length) / RATE
        f = rng.choice(NOTES_HZ)
        note = np.sin(2 * np.pi * f * t) + 0.4 * np.sin(4 * np.pi * f * t) + 0.2 * np.sin(6 * np.pi * f * t)
        envelope = np.minimum(1.0, np.minimum(t / 0.03, (t[-1] - t) / 0.08 + 0.2))
        pieces.append(5000.0 * note * envelope)
    return np.concatenate(pieces)[:total]


def make_call(folder: Path, index: int, rng: random.Random) -> Call:
    """One call: 4 to 8 turns, the agent first, pauses of 0.4 to 1.8 s; hold music in a third."""
    agent_speed, caller_speed = rng.randint(150, 175), rng.randint(140, 170)
    caller_pitch = rng.choice([30, 65, 80])
    placed: list[tuple[int, int, np.ndarray]] = []  # (channel, start sample, samples)
    agent_words, caller_words, both = [], [], []
    at = rng.uniform(0.3, 1.0)
    turns = rng.randint(4, 8)
    hold_after = 2 if rng.random() < 1 / 3 else None
    hold = 0.0
    for turn in range(turns):
        agent_side = turn % 2 == 0
        sentences = AGENT_SENTENCES if agent_side else CALLER_SENTENCES
        if turn == 0:
            text = AGENT_SENTENCES[0]
        elif turn == turns - 1 and agent_side:
            text = AGENT_SENTENCES[-1]
        else:
            text = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 2)))
        voice = speak(folder, text, agent_speed, 50) if agent_side else speak(folder, text, caller_speed, caller_pitch)
        placed.append((0 if agent_side else 1, int(at * RATE), voice))
        (agent_words if agent_side else caller_words).append(text)
        both.append(text)
        at += len(voice) / RATE + rng.uniform(0.4, 1.8)
        if turn == hold_after:
            hold = rng.uniform(15, 40)
            music = hold_music(hold, rng)
            placed.append((0, int(at * RATE), music))
            at += len(music) / RATE + rng.uniform(0.5, 1.5)
    total = int((at + 0.5) * RATE)
    stereo = np.zeros((total, 2))
    echo = 10 ** (ECHO_DB / 20)
    for channel, start, samples in placed:
        stereo[start : start + len(samples), channel] += samples
        stereo[start : start + len(samples), 1 - channel] += samples * echo
    noise = np.random.default_rng(index).normal(0.0, NOISE_RMS, stereo.shape)
    linear = folder / "linear.wav"
    with wave.open(str(linear), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(np.clip(stereo + noise, -32768, 32767).astype("<i2").tobytes())
    path = folder / f"call{index:03d}.wav"
    subprocess.run(["sox", "-D", str(linear), "-e", "mu-law", "-b", "8", str(path)], check=True)
    linear.unlink()
    return Call(path, " ".join(agent_words), " ".join(caller_words), " ".join(both), total / RATE, hold)


def make_calls(folder: Path, minutes: float, seed: int = 16) -> list[Call]:
    """Calls until `minutes` of recordings, made once and kept (with their references) in `folder`."""
    manifest = folder / f"calls-{seed}-{minutes:g}.json"
    if manifest.is_file():
        calls = [Call(**{**c, "path": Path(c["path"])}) for c in json.loads(manifest.read_text())]
        if all(call.path.is_file() for call in calls):
            return calls
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    calls: list[Call] = []
    while sum(call.seconds for call in calls) < minutes * 60:
        calls.append(make_call(folder, len(calls), rng))
    manifest.write_text(json.dumps([{**call.__dict__, "path": str(call.path)} for call in calls], ensure_ascii=False))
    return calls


def vosk_transcriber(model: Path, calls: list[Call]) -> tuple[float, dict[Path, str]]:
    output = Path(tempfile.mkdtemp(prefix="vosk-transcriber-"))
    only_audio = Path(tempfile.mkdtemp(prefix="vosk-input-"))
    for call in calls:
        (only_audio / call.path.name).symlink_to(call.path)
    binary = Path(sys.executable).with_name("vosk-transcriber")
    started = time.perf_counter()
    subprocess.run(
        [str(binary), "--model", str(model), "--input", str(only_audio), "--output", str(output)]
        + ["--output-type", "txt", "--log-level", "WARNING"],
        check=True,
    )
    elapsed = time.perf_counter() - started
    texts = {call.path: (output / (call.path.stem + ".txt")).read_text(encoding="utf-8").strip() for call in calls}
    shutil.rmtree(output)
    shutil.rmtree(only_audio)
    return elapsed, texts


def ours(calls: list[Call], workers: int, model: Path | None) -> tuple[float, dict[Path, dict[str, str]], str]:
    """Our pipeline over the calls with `workers` workers of the kind it chooses: the time from
    the first call submitted to the last transcript back (the models are loaded before), each
    call's text per speaker, and what the workers were."""
    from qa_app.settings import reset_settings
    from transcription.batch import transcribe_recording
    from transcription.pool import Transcriber
    from transcription.transcript import Transcript

    reset_settings()
    with Transcriber(workers, model=model) as transcriber:
        # Load each worker's model before the clock starts, as a running `qa worker` has it.
        for future in [transcriber.submit(transcribe_recording, calls[0].path, 0) for _ in range(workers)]:
            future.result()
        started = time.perf_counter()
        futures = {call.path: transcriber.submit(transcribe_recording, call.path, 0) for call in calls}
        results = {path: future.result() for path, future in futures.items()}
        elapsed = time.perf_counter() - started
        kind = transcriber.describe()
    texts = {}
    for path, result in results.items():
        if "failed" in result:
            sys.exit(f"{path.name}: {result['failed']}")
        transcript = Transcript.from_json(result["transcript"])
        texts[path] = {speaker: " ".join(w.word for w in transcript.words(speaker)) for speaker in ("agent", "caller")}
    return elapsed, texts, kind


def busiest_day_hours(database: str | None) -> tuple[str, float]:
    """The demo centre's busiest day: (the day, hours of recorded talk and hold). Taken from
    `database` when it holds the demo; otherwise the demo is built once in a folder of its own
    (about a minute) and the figure kept beside the calls."""
    kept = ROOT / "benchmarks" / "out" / "demo-busiest-day.json"
    if database is None and kept.is_file():
        found = json.loads(kept.read_text())
        return found["day"], found["hours"]
    env = {**os.environ}
    if database is None:
        folder = Path(tempfile.mkdtemp(prefix="qa-demo-"))
        env.update(QA_DATA_DIR=str(folder), QA_DATABASE_URL="")
        print("building the demo centre to find its busiest day (once; about a minute)...", flush=True)
        subprocess.run(
            [sys.executable, "-c", "from qa_app.cli import main; main()", "demo"],
            env=env,
            check=True,
            capture_output=True,
        )
    else:
        env["QA_DATABASE_URL"] = database
    script = (
        "import asyncio, json\n"
        "from qa_app import db\n"
        "from qa_app.settings import get_settings\n"
        "from qa_app.tables import Call\n"
        "async def main():\n"
        "    db.use_database(get_settings().database_url)\n"
        "    rows = await Call.raw('SELECT substr(CAST(answered_at AS TEXT), 1, 10) AS day, "
        "SUM(talk_seconds + COALESCE(hold_seconds, 0)) AS seconds FROM call WHERE answered_at IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 1')\n"
        "    print(json.dumps({'day': rows[0]['day'], 'hours': float(rows[0]['seconds']) / 3600}))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    if database is None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(found))
        shutil.rmtree(env["QA_DATA_DIR"], ignore_errors=True)
    return found["day"], found["hours"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of call recordings")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--calls", type=Path, default=ROOT / "benchmarks" / "out" / "calls")
    parser.add_argument("--beams", default="8,6", help="recogniser beams to try besides the model's own")
    parser.add_argument("--demo-database", default=None, help="a database holding the demo centre")
    args = parser.parse_args()
    for tool in ("espeak-ng", "sox", "ffmpeg"):
        if shutil.which(tool) is None:
            sys.exit(f"this benchmark needs {tool}")
    os.environ["QA_REDACT_MODE"] = "off"  # the files are read, never changed
    os.environ.pop("QA_VOSK_BEAM", None)

    from transcription.accuracy import pooled, score
    from transcription.model import find_model

    day, day_hours = busiest_day_hours(args.demo_database)
    calls = make_calls(args.calls, args.minutes)
    model = find_model(args.model)
    minutes = sum(call.seconds for call in calls) / 60
    cores = os.cpu_count() or 1
    held = sum(1 for call in calls if call.hold)
    print(
        f"{len(calls)} stereo calls ({held} with hold music), {minutes:.1f} minutes of 8 kHz mu-law recordings; "
        f"model {model.name}; {cores} cores"
    )

    def their_cer(texts: dict[Path, str]) -> float:
        return pooled([score(call.both, texts[call.path]) for call in calls]).cer

    def our_cer(texts: dict[Path, dict[str, str]]) -> float:
        scores = [score(call.agent, texts[call.path]["agent"]) for call in calls]
        scores += [score(call.caller, texts[call.path]["caller"]) for call in calls]
        return pooled(scores).cer

    def per_minute(seconds: float) -> float:
        return minutes / (seconds / 60)

    their_time, their_texts = vosk_transcriber(model.path, calls)
    our_time, our_texts, kind = ours(calls, cores, args.model)
    one_time, _, one_kind = ours(calls, 1, args.model)
    theirs_rate, ours_rate = per_minute(their_time), per_minute(our_time)
    print(
        f"vosk-transcriber ({cores} threads, mono mix):  {their_time:6.1f} s, "
        f"{theirs_rate:5.2f} call-minutes a minute, CER {their_cer(their_texts):.3f}"
    )
    print(
        f"this pipeline ({kind}): {our_time:6.1f} s, {ours_rate:5.2f} call-minutes a minute, "
        f"CER {our_cer(our_texts):.3f} (per speaker)"
    )
    print(f"throughput ratio (ours / vosk-transcriber): {ours_rate / theirs_rate:.2f}")
    print(
        f"this pipeline with 1 worker ({one_kind}): {one_time:.1f} s; with {cores}: {our_time:.1f} s; speed-up {one_time / our_time:.2f}"
    )
    for beam in [b for b in args.beams.split(",") if b.strip()]:
        os.environ["QA_VOSK_BEAM"] = beam.strip()
        beam_time, beam_texts, _ = ours(calls, cores, args.model)
        print(
            f"QA_VOSK_BEAM={beam.strip()}: {beam_time:6.1f} s, {per_minute(beam_time):5.2f} call-minutes a minute, "
            f"CER {our_cer(beam_texts):.3f}"
        )
        os.environ.pop("QA_VOSK_BEAM")
    hours = day_hours * 3600 * (our_time / (minutes * 60)) / 3600
    print(
        f"the demo centre's busiest day ({day}): {day_hours:.1f} hours of recorded calls; at this pipeline's "
        f"measured rate ({cores} workers, model's own settings) they take {hours:.1f} hours here"
    )


if __name__ == "__main__":
    main()
