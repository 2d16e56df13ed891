"""Our transcription pipeline against `vosk-transcriber` (shipped with the vosk package) on
realistic call recordings, same model, both cores, in one run (issue 16).

    .venv/bin/python benchmarks/transcription.py [--minutes 12] [--model PATH] [--save]
        [--sweep-minutes 6] [--no-sweep] [--demo-database PATH.sqlite3]

The calls: stereo 8 kHz mu-law as a call recorder writes them, the agent left and the caller
right, taking turns with pauses between them (and now and then a "mm" over the other side), a
pause while the agent looks something up, and in some calls a stretch of hold music played from
the agent's side; faint line noise on both channels. The speech is espeak-ng's Korean (the
installed model is Korean), a voice per side; each call has its reference text per speaker.

It prints, for vosk-transcriber (which mixes a stereo file down to mono and decodes all of it,
with a thread per core) and for this pipeline (which decodes each speaker's speech only, with a
worker process per core): call-minutes transcribed per minute, their ratio, the CER of each
against the references; our speed-up from 1 to 2 workers, as processes and as threads; the CER
and speed at each recogniser setting tried; and how long the demo centre's busiest day of
recordings would take here at the measured rate. `--save` writes the measured speeds into
QA_DATA_DIR/transcription-speed.json, which `Transcriber(kind="auto")` then follows.

Wall-clock speed depends on what else the machine runs: the load average is printed before
each measurement, with the CPU time each run took (which other load hardly changes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATE = 16000  # the calls are made at 16 kHz, then written as a recorder's 8 kHz mu-law
GENERATOR_VERSION = 1  # change when the calls change, so cached ones are made again

GREETINGS = ["안녕하세요 시청 민원실입니다 무엇을 도와드릴까요", "네 시청 민원실입니다 말씀하세요"]
ISSUES = [
    "쓰레기 수거가 안 되었어요 확인해 주세요",
    "주차 허가증을 신청하고 싶습니다",
    "가로등이 고장 났어요 언제 고쳐 주시나요",
    "재산세 고지서에 대해 문의드립니다",
    "도로에 큰 구멍이 생겼습니다 위험해요",
    "출생 신고는 어디서 하나요",
    "도서관 운영 시간이 어떻게 되나요",
    "이웃집 소음 때문에 잠을 잘 수가 없어요",
]
ASK = ["성함과 주소를 말씀해 주시겠어요", "네 고객님 말씀하신 내용을 확인해 보겠습니다"]
NAMES = ["제 이름은 김민수이고 중앙로 십이번지에 살아요", "박지영입니다 시청 옆 아파트에 살아요"]
LOOKUP = "잠시만 기다려 주세요 확인하고 있습니다"
BACK = "기다려 주셔서 감사합니다"
ANSWERS = [
    "내일 오전까지 처리해 드리겠습니다",
    "접수 번호를 알려 드리겠습니다",
    "담당 부서로 연결해 드리겠습니다",
    "인터넷으로도 신청하실 수 있습니다",
    "필요한 서류는 신분증과 신청서입니다",
    "현장 확인 후에 다시 연락드리겠습니다",
    "불편을 드려서 죄송합니다",
]
FOLLOW_UPS = ["언제쯤 처리될까요", "서류는 어디로 보내야 하나요", "네 알겠습니다"]
CLOSING = "다른 문의 사항은 없으신가요"
NO_MORE = "아니요 그게 전부입니다"
GOODBYES = ["감사합니다 좋은 하루 보내세요", "감사합니다 안녕히 계세요"]
BACKCHANNEL = "네"


@dataclass
class Line:
    speaker: str  # agent or caller
    text: str
    start: float = 0.0  # seconds into the call


@dataclass
class Call:
    path: Path
    seconds: float
    lines: list[Line]
    hold: float  # seconds of hold music

    def reference(self, speaker: str | None = None) -> str:
        lines = sorted(self.lines, key=lambda line: line.start)
        return " ".join(line.text for line in lines if speaker is None or line.speaker == speaker)


def script(rng: random.Random, with_hold: bool) -> list[tuple[str, str | float]]:
    """A call's turns: (agent|caller, text), ("pause", seconds) or ("hold", seconds)."""
    turns: list[tuple[str, str | float]] = [("agent", rng.choice(GREETINGS))]
    for issue in rng.sample(ISSUES, rng.choice([1, 1, 2])):
        turns.append(("caller", issue))
    turns += [("agent", rng.choice(ASK)), ("caller", rng.choice(NAMES)), ("agent", LOOKUP)]
    if with_hold:
        turns += [("hold", rng.uniform(15, 40)), ("agent", BACK)]
    else:
        turns.append(("pause", rng.uniform(3, 8)))  # the agent looks it up
    for answer in rng.sample(ANSWERS, rng.choice([1, 2, 3])):
        turns.append(("agent", answer))
        if rng.random() < 0.6:
            turns.append(("caller", rng.choice(FOLLOW_UPS)))
    turns += [("agent", CLOSING), ("caller", NO_MORE), ("agent", rng.choice(GOODBYES))]
    return turns


def espeak(text: str, voice: tuple[str, ...], folder: Path) -> np.ndarray:
    raw, pcm = folder / "line.raw.wav", folder / "line.wav"
    subprocess.run(["espeak-ng", "-v", "ko", *voice, "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(
        ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(pcm)],
        check=True,
        capture_output=True,
    )
    with wave.open(str(pcm)) as handle:
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float64)


def hold_music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Notes of a pentatonic scale with harmonics and a plucked envelope, over a held chord."""
    out = np.zeros(int(seconds * RATE))
    position = 0
    scale = [261.6, 293.7, 329.6, 392.0, 440.0, 523.3, 587.3, 659.3]
    while position < len(out):
        length = int(rng.choice([0.25, 0.375, 0.5, 0.75]) * RATE)
        t = np.arange(length) / RATE
        envelope = np.minimum(1, t / 0.02) * np.exp(-t * 2.5)
        note = sum(0.5**k * np.sin(2 * np.pi * rng.choice(scale) * (k + 1) * t) for k in range(4)) * envelope
        out[position : position + length] += note[: len(out) - position]
        position += length
    t = np.arange(len(out)) / RATE
    out += 0.3 * np.sin(2 * np.pi * 130.8 * t) + 0.2 * np.sin(2 * np.pi * 196.0 * t)
    return out / np.abs(out).max() * 0.35 * 32767


def make_call(index: int, folder: Path, rng: random.Random) -> Call:
    noise = np.random.default_rng(index)
    agent_voice = ("-s", str(rng.randint(150, 170)), "-p", str(rng.randint(35, 50)))
    caller_voice = ("-s", str(rng.randint(140, 175)), "-p", str(rng.randint(65, 85)))
    caller_level = rng.uniform(0.35, 0.9)  # a mobile caller is often quieter than the agent
    with_hold = index % 3 == 1  # every third call puts the caller on hold
    channels = {"agent": np.zeros(RATE * 600), "caller": np.zeros(RATE * 600)}
    lines: list[Line] = []
    position = int(rng.uniform(0.3, 0.8) * RATE)
    hold = 0.0
    work = folder / f"work{index:03d}"
    work.mkdir(exist_ok=True)
    for who, what in script(rng, with_hold):
        if who == "pause":
            position += int(float(what) * RATE)
            continue
        if who == "hold":
            sound = hold_music(float(what), noise)
            channels["agent"][position : position + len(sound)] += sound
            position += len(sound) + int(0.4 * RATE)
            hold += float(what)
            continue
        voice = agent_voice if who == "agent" else caller_voice
        sound = espeak(str(what), voice, work) * (0.8 if who == "agent" else caller_level)
        channels[who][position : position + len(sound)] += sound
        lines.append(Line(who, str(what), position / RATE))
        if who == "agent" and len(sound) > 3 * RATE and rng.random() < 0.3:
            # "mm" from the caller while the agent is still speaking.
            mm = espeak(BACKCHANNEL, caller_voice, work) * caller_level
            at = position + len(sound) // 2
            channels["caller"][at : at + len(mm)] += mm
            lines.append(Line("caller", BACKCHANNEL, at / RATE))
        position += len(sound) + int(rng.lognormvariate(-0.4, 0.5) * RATE)  # a pause of 0.3 to 2 s
    end = position + int(0.5 * RATE)
    both = np.stack([channels["agent"][:end], channels["caller"][:end]])
    both += np.stack([noise.normal(0, 20, end), noise.normal(0, 40, end)])  # line noise, about -60 dBFS
    pcm = work / "call16.wav"
    with wave.open(str(pcm), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(np.clip(both, -32767, 32767).astype("<i2").T.tobytes())
    path = folder / f"call{index:03d}.wav"
    subprocess.run(["sox", str(pcm), "-r", "8000", "-e", "mu-law", "-b", "8", str(path)], check=True)
    shutil.rmtree(work)
    return Call(path, end / RATE, lines, hold)


def make_calls(folder: Path, minutes: float, seed: int = 16) -> list[Call]:
    """Calls until `minutes` of call audio, made once and kept in `folder` with their scripts."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "calls.json"
    wanted = {"version": GENERATOR_VERSION, "minutes": minutes, "seed": seed}
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if saved["wanted"] == wanted and all((folder / c["file"]).exists() for c in saved["calls"]):
            return [
                Call(folder / c["file"], c["seconds"], [Line(**line) for line in c["lines"]], c["hold"])
                for c in saved["calls"]
            ]
    for old in folder.glob("call*.wav"):
        old.unlink()
    rng = random.Random(seed)
    calls: list[Call] = []
    while sum(call.seconds for call in calls) < minutes * 60:
        calls.append(make_call(len(calls), folder, rng))
    manifest.write_text(
        json.dumps(
            {
                "wanted": wanted,
                "calls": [
                    {
                        "file": call.path.name,
                        "seconds": call.seconds,
                        "hold": call.hold,
                        "lines": [line.__dict__ for line in call.lines],
                    }
                    for call in calls
                ],
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    return calls


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Run:
    label: str
    wall: float
    cpu: float
    texts: dict[Path, str]
    by_speaker: dict[Path, dict[str, str]] | None = None
    decoded: float | None = None  # seconds of channel audio decoded

    def rate(self, audio_seconds: float) -> float:
        """Call-minutes transcribed per minute."""
        return audio_seconds / self.wall


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def vosk_transcriber(model: Path, calls: list[Call]) -> Run:
    output = Path(tempfile.mkdtemp(prefix="vosk-transcriber-"))
    only_audio = Path(tempfile.mkdtemp(prefix="vosk-input-"))
    for call in calls:
        (only_audio / call.path.name).symlink_to(call.path)
    binary = Path(sys.executable).with_name("vosk-transcriber")
    started, cpu = time.perf_counter(), cpu_seconds()
    subprocess.run(
        [str(binary), "--model", str(model), "--input", str(only_audio), "--output", str(output)]
        + ["--output-type", "txt", "--log-level", "WARNING"],
        check=True,
    )
    wall, used = time.perf_counter() - started, cpu_seconds() - cpu
    texts = {call.path: (output / (call.path.stem + ".txt")).read_text(encoding="utf-8").strip() for call in calls}
    shutil.rmtree(output)
    shutil.rmtree(only_audio)
    return Run("vosk-transcriber", wall, used, texts)


def ours(label: str, calls: list[Call], workers: int, kind: str, model, options, vad) -> Run:
    """This pipeline from a cold start (the pool and its models included), longest calls first."""
    from transcription.pool import Transcriber

    started, cpu = time.perf_counter(), cpu_seconds()
    with Transcriber(workers, kind, model, options=options, vad=vad) as transcriber:
        futures = {
            call.path: transcriber.submit(call.path, 0) for call in sorted(calls, key=lambda c: c.seconds, reverse=True)
        }
        results = {path: future.result() for path, future in futures.items()}
    wall, used = time.perf_counter() - started, cpu_seconds() - cpu
    failed = {path.name: r["failed"] for path, r in results.items() if "failed" in r}
    if failed:
        sys.exit(f"{label}: failed {failed}")
    by_speaker = {
        path: {
            speaker: " ".join(
                w["word"] for turn in r["transcript"]["turns"] if turn["speaker"] == speaker for w in turn["words"]
            )
            for speaker in ("agent", "caller")
        }
        for path, r in results.items()
    }
    return Run(
        label,
        wall,
        used,
        {path: r["text"] for path, r in results.items()},
        by_speaker,
        sum(r["decoded_seconds"] for r in results.values()),
    )


def busiest_day(database: Path | None) -> tuple[float, str]:
    """Hours of answered talk (talk and hold: a recording's length) on the demo centre's busiest
    day, and where the figure comes from."""
    if database is not None and database.exists():
        with sqlite3.connect(database) as connection:
            row = connection.execute(
                'SELECT substr("answered_at", 1, 10) AS day, SUM("talk_seconds" + COALESCE("hold_seconds", 0)) AS seconds, '
                'COUNT(*) FROM "call" WHERE "answered_at" IS NOT NULL GROUP BY day ORDER BY seconds DESC LIMIT 1'
            ).fetchone()
        if row:
            return row[1] / 3600, f"the demo database's busiest day, {row[0]}: {row[2]:,} answered calls"
    return 34.0, "issue 16's figure for the demo centre: about 34 hours of answered talk a working day"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=12.0, help="call audio in all (default 12)")
    parser.add_argument("--sweep-minutes", type=float, default=6.0, help="call audio for each setting tried")
    parser.add_argument("--no-sweep", action="store_true", help="skip trying the recogniser's settings")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--calls", type=Path, default=ROOT / "benchmarks" / "out" / "calls")
    parser.add_argument("--demo-database", type=Path, default=None, help="a `qa demo` SQLite file")
    parser.add_argument("--save", action="store_true", help="keep the measured speeds for Transcriber('auto')")
    args = parser.parse_args()
    for tool in ("espeak-ng", "sox", "ffmpeg"):
        if shutil.which(tool) is None:
            sys.exit(f"this benchmark needs {tool}")

    from qa_app.settings import get_settings
    from transcription.accuracy import ZERO, score
    from transcription.engine import vad_from_settings
    from transcription.model import DecoderOptions, find_model, model_conf
    from transcription.pool import SPEED_FILE
    from transcription.vad import VadOptions

    calls = make_calls(args.calls, args.minutes)
    model = find_model(args.model)
    options = DecoderOptions.from_settings()
    vad = vad_from_settings()
    audio = sum(call.seconds for call in calls)
    hold = sum(call.hold for call in calls)
    workers = args.workers
    print(
        f"{len(calls)} calls, {audio / 60:.1f} minutes of stereo 8 kHz mu-law ({hold / 60:.1f} of hold music "
        f"in {sum(1 for c in calls if c.hold)} calls); model {model.name}; {workers} workers / threads each; "
        f"{os.cpu_count()} cores; our settings: {options.describe()}, VAD {vad.mode if vad else 'off'}"
    )

    def cer(run: Run, subset: list[Call] | None = None) -> float:
        chosen = subset or calls
        total = sum((score(call.reference(), run.texts[call.path]) for call in chosen), ZERO)
        return total.cer or 0.0

    def speaker_cer(run: Run, speaker: str) -> float:
        assert run.by_speaker is not None
        total = sum((score(c.reference(speaker), run.by_speaker[c.path][speaker]) for c in calls), ZERO)
        return total.cer or 0.0

    def report(run: Run, subset_seconds: float | None = None) -> str:
        seconds = subset_seconds or audio
        return (
            f"{run.wall:7.1f} s, {run.rate(seconds):5.2f} call-minutes per minute, CPU {run.cpu:6.1f} s "
            f"({seconds / run.cpu:5.2f} call-minutes per CPU-minute)"
        )

    # Warm the page cache with the model's files and the calls, for both tools alike.
    for path in [*model.path.rglob("*"), *(call.path for call in calls)]:
        if path.is_file():
            path.read_bytes()

    print(f"\n[{load()}]")
    theirs = vosk_transcriber(model.path, calls)
    print(f"vosk-transcriber ({os.cpu_count()} threads, mono mix):  {report(theirs)}, CER {cer(theirs):.3f}")
    print(f"[{load()}]")
    two = ours(f"{workers} processes", calls, workers, "process", model, options, vad)
    print(f"this pipeline ({workers} worker processes):        {report(two)}, CER {cer(two):.3f}")
    print(
        f"  per speaker: agent CER {speaker_cer(two, 'agent'):.3f}, caller CER {speaker_cer(two, 'caller'):.3f}; "
        f"decoded {two.decoded / 60:.1f} of {2 * audio / 60:.1f} channel-minutes ({two.decoded / (2 * audio):.0%}; "
        f"{two.decoded / audio:.0%} of the call-minutes vosk-transcriber decodes)"
    )
    ratio = theirs.wall / two.wall
    print(
        f"throughput ratio (ours / vosk-transcriber): {ratio:.2f} (aim 2.0); CPU-time ratio {theirs.cpu / two.cpu:.2f}; "
        f"CER difference {cer(two) - cer(theirs):+.3f} (aim at most +0.02)"
    )
    print(f"[{load()}]")
    one = ours("1 process", calls, 1, "process", model, options, vad)
    print(f"this pipeline (1 worker process):         {report(one)}")
    print(f"[{load()}]")
    threads = ours(f"{workers} threads", calls, workers, "thread", model, options, vad)
    print(f"this pipeline ({workers} threads, one model):      {report(threads)}")
    one_thread_wall = one.wall  # one worker: a thread and a process decode alike
    process_speedup, thread_speedup = one.wall / two.wall, one_thread_wall / threads.wall
    print(
        f"speed-up from 1 to {workers} workers: processes {process_speedup:.2f} (aim 1.6), threads {thread_speedup:.2f}"
    )

    hours, source = busiest_day(args.demo_database)
    rate = two.rate(audio)
    print(
        f"\nbusiest day: {hours:.1f} hours of stereo recordings ({source}); at {rate:.2f} call-minutes per minute "
        f"it takes {hours / rate:.1f} hours here (aim under 8); vosk-transcriber would take "
        f"{hours / theirs.rate(audio):.1f}"
    )
    if args.save:
        path = get_settings().data_dir / SPEED_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "workers": workers,
                    "process": round(process_speedup, 3),
                    "thread": round(thread_speedup, 3),
                    "call_minutes_per_minute": round(rate, 3),
                    "machine": f"this machine ({os.cpu_count()} cores), {datetime.now(timezone.utc):%Y-%m-%d}",
                },
                indent=1,
            )
        )
        print(f"saved in {path}")

    if args.no_sweep:
        return
    subset: list[Call] = []
    for call in calls:  # the first calls up to --sweep-minutes, every kind of call among them
        if sum(c.seconds for c in subset) >= args.sweep_minutes * 60:
            break
        subset.append(call)
    seconds = sum(c.seconds for c in subset)
    own = model_conf(model.path)
    print(
        f"\nrecogniser settings, one at a time from ours, on {len(subset)} calls ({seconds / 60:.1f} minutes), "
        f"{workers} worker processes (the model's own: beam {own.get('--beam')}, max-active "
        f"{own.get('--max-active')}, lattice-beam {own.get('--lattice-beam')}; frames-per-chunk: Kaldi's 20):"
    )
    trials: list[tuple[str, DecoderOptions, VadOptions | None]] = [("as above", options, vad)]
    for beam in (13.0, 10.0, 6.0):
        trials.append((f"beam {beam:g}", replace(options, beam=beam), vad))
    for active in (7000, 3000, 1000):
        trials.append((f"max-active {active}", replace(options, max_active=active), vad))
    for lattice in (4.0, 1.0):
        trials.append((f"lattice-beam {lattice:g}", replace(options, lattice_beam=lattice), vad))
    for chunk in (20, 99):
        trials.append((f"frames-per-chunk {chunk}", replace(options, frames_per_chunk=chunk), vad))
    trials.append(("3 alternatives", replace(options, alternatives=3), vad))
    for mode in (None, 1):
        trials.append((f"VAD {'off' if mode is None else mode}", options, None if mode is None else VadOptions(mode)))
    print(f"[{load()}]")
    for label, trial_options, trial_vad in trials:
        run = ours(label, subset, workers, "process", model, trial_options, trial_vad)
        print(
            f"  {label:20} CER {cer(run, subset):.3f}  {report(run, seconds)}  decoded {run.decoded / (2 * seconds):.0%}"
        )
    print(f"[{load()}]")


if __name__ == "__main__":
    main()
