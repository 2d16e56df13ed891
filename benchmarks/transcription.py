"""Our transcription pipeline against `vosk-transcriber` (shipped with the vosk package), same
model, same files, same thread count, in one run: real-time factors, their ratio, and the CER of
both against the references; then our speed-up from 1 to 2 workers.

    .venv/bin/python benchmarks/transcription.py [--minutes 10] [--model PATH]

The speech is espeak-ng's Korean (the test model is Korean), written as 8 kHz mu-law like a
phone system's recordings. vosk-transcriber's thread pool has os.cpu_count() threads (its
`--tasks` applies to server mode only), so our side runs with as many workers.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "안녕하세요 시청 민원실입니다 무엇을 도와드릴까요",
    "쓰레기 수거가 안 되었어요 확인해 주세요",
    "주차 허가증을 신청하고 싶습니다",
    "가로등이 고장 났어요 언제 고쳐 주시나요",
    "재산세 고지서에 대해 문의드립니다",
    "도로에 큰 구멍이 생겼습니다 위험해요",
    "출생 신고는 어디서 하나요",
    "도서관 운영 시간이 어떻게 되나요",
    "이웃집 소음 때문에 잠을 잘 수가 없어요",
    "감사합니다 좋은 하루 보내세요",
    "접수 번호를 알려 드리겠습니다",
    "담당 부서로 연결해 드리겠습니다 잠시만 기다려 주세요",
]


def make_speech(folder: Path, minutes: float, seed: int = 5) -> dict[Path, str]:
    """Files of about 20 s each until `minutes` of audio; returns each file's reference text."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    references: dict[Path, str] = {}
    total = 0.0
    index = 0
    while total < minutes * 60:
        text = " ".join(rng.choice(SENTENCES) for _ in range(6))
        raw, out = folder / f"raw{index:03d}.wav", folder / f"call{index:03d}.wav"
        if not out.exists():
            subprocess.run(
                ["espeak-ng", "-v", "ko", "-s", str(rng.randint(140, 175)), "-w", str(raw), text], check=True
            )
            subprocess.run(["sox", str(raw), "-r", "8000", "-e", "mu-law", "-b", "8", str(out)], check=True)
            raw.unlink()
        (folder / f"call{index:03d}.txt").write_text(text)
        seconds = float(subprocess.run(["soxi", "-D", str(out)], capture_output=True, text=True, check=True).stdout)
        references[out] = text
        total += seconds
        index += 1
    return references


def ours(engine, files: list[Path], workers: int) -> tuple[float, dict[Path, str]]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        texts = dict(zip(files, pool.map(lambda p: engine.transcribe(p).text, files), strict=True))
    return time.perf_counter() - started, texts


def vosk_transcriber(model: Path, folder: Path, files: list[Path]) -> tuple[float, dict[Path, str]]:
    output = Path(tempfile.mkdtemp(prefix="vosk-transcriber-"))
    only_audio = Path(tempfile.mkdtemp(prefix="vosk-input-"))
    for path in files:
        (only_audio / path.name).symlink_to(path)
    binary = Path(sys.executable).with_name("vosk-transcriber")
    started = time.perf_counter()
    subprocess.run(
        [
            str(binary),
            "--model",
            str(model),
            "--input",
            str(only_audio),
            "--output",
            str(output),
            "--output-type",
            "txt",
            "--log-level",
            "WARNING",
        ],
        check=True,
    )
    elapsed = time.perf_counter() - started
    texts = {path: (output / (path.stem + ".txt")).read_text(encoding="utf-8").strip() for path in files}
    shutil.rmtree(output)
    shutil.rmtree(only_audio)
    return elapsed, texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--speech", type=Path, default=ROOT / "benchmarks" / "out" / "speech")
    args = parser.parse_args()
    for tool in ("espeak-ng", "sox", "ffmpeg"):
        if shutil.which(tool) is None:
            sys.exit(f"this benchmark needs {tool}")

    from transcription.accuracy import pooled, score
    from transcription.audio import decode
    from transcription.engine import Engine

    references = make_speech(args.speech, args.minutes)
    files = sorted(references)
    engine = Engine(args.model)
    audio_seconds = sum(decode(path, engine.sample_rate).duration for path in files)
    threads = os.cpu_count() or 1
    print(
        f"{len(files)} files, {audio_seconds / 60:.1f} minutes of 8 kHz mu-law audio; model {engine.info.name}; "
        f"{threads} threads each (vosk-transcriber uses os.cpu_count())"
    )

    def cer(texts: dict[Path, str]) -> float:
        return pooled([score(references[p], texts[p]) for p in files]).cer

    ours(engine, files[:1], 1)  # warm the model's pages once, for both
    their_time, their_texts = vosk_transcriber(engine.info.path, args.speech, files)
    our_time, our_texts = ours(engine, files, threads)
    print(
        f"vosk-transcriber: {their_time:7.1f} s, real-time factor {their_time / audio_seconds:.3f}, CER {cer(their_texts):.3f}"
    )
    print(
        f"this pipeline:    {our_time:7.1f} s, real-time factor {our_time / audio_seconds:.3f}, CER {cer(our_texts):.3f}"
    )
    print(f"throughput ratio (ours / vosk-transcriber): {their_time / our_time:.2f}")
    one_time, _ = ours(engine, files, 1)
    print(
        f"this pipeline with 1 worker: {one_time:.1f} s; with {threads}: {our_time:.1f} s; speed-up {one_time / our_time:.2f}"
    )


if __name__ == "__main__":
    main()
