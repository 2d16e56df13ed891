"""`qa transcribe ...` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qa_app.settings import AGENT_CHANNELS, get_settings

CHANNEL_HELP = "In a stereo recording, the channel that carries the agent (default QA_AGENT_CHANNEL, else left)."


def _fail(message: str) -> None:
    click.echo(f"qa: {message}", err=True)
    sys.exit(2)


@click.group(invoke_without_command=True, help="Transcribe the pending call recordings (offline, with Vosk).")
@click.option("--month", default=None, metavar="YYYY-MM", help="Only calls of this month.")
@click.option("--sampled", is_flag=True, help="Only the calls in the monthly QA sample (`qa sample`).")
@click.option("--workers", default=None, type=int, help="Recordings decoded at once (default: one per core).")
@click.option(
    "--kind",
    type=click.Choice(["auto", "process", "thread"]),
    default="auto",
    show_default=True,
    help="Worker processes (one model each) or threads (sharing one); auto: processes for 2+ workers.",
)
@click.option("--agent-channel", type=click.Choice(sorted(AGENT_CHANNELS)), default=None, help=CHANNEL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--status", is_flag=True, help="Only say where the work stands: the backlog, failures, time to clear.")
@click.pass_context
def transcribe(
    ctx: click.Context,
    month: str | None,
    sampled: bool,
    workers: int | None,
    kind: str,
    agent_channel: str,
    as_json: bool,
    status: bool,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    if status:
        _status(as_json)
        return
    from kit.timeutil import parse_month
    from qa_app.cli_support import item_progress, run_with_database
    from transcription import batch
    from transcription.model import ModelError

    try:
        first = parse_month(month) if month else None
    except ValueError as error:
        _fail(str(error))
    if workers is not None and workers < 1:
        _fail("--workers must be at least 1")
    if get_settings().queue_url:
        queued = run_with_database(lambda: batch.enqueue_pending(first, sampled))
        click.echo(f"queued {queued} recordings for the qa workers", err=True)
        return
    try:
        with item_progress("transcribing") as progress:
            summary = run_with_database(
                lambda: batch.run_batch(
                    month=first,
                    sampled=sampled,
                    workers=workers,
                    kind=kind,
                    on_start=lambda described: click.echo(f"transcribing with {described}", err=True),
                    on_finished=progress,
                    agent_channel=AGENT_CHANNELS.get(agent_channel or ""),
                )
            )
    except ModelError as error:
        _fail(str(error))
    line = f"{summary.done} transcribed, {summary.failed} failed"
    if summary.recovered:
        line += f", {summary.recovered} taken back from an interrupted run"
    click.echo(line, err=True)
    if as_json:
        click.echo(json.dumps(summary.__dict__))


def _status(as_json: bool) -> None:
    from qa_app.cli_support import run_with_database
    from transcription.backlog import backlog, how_long

    found = run_with_database(backlog)
    if as_json:
        click.echo(json.dumps(found.as_json(), indent=2))
        return
    hours = found.audio_seconds / 3600
    click.echo(
        f"backlog: {found.calls} recorded calls to transcribe, {hours:.1f} hours of audio ({found.running} running)"
    )
    if found.rate:
        eta = found.eta_seconds
        click.echo(
            f"rate: {found.rate:.2f} seconds of audio per second (measured on the latest {found.measured_on}); "
            f"time to clear: {how_long(eta)}"
        )
    else:
        click.echo("rate: not measured yet (nothing transcribed here so far)")
    click.echo(f"failed: {found.failed}")
    for failure in found.failures:
        click.echo(f"  call {failure['call']}: {failure['reason']}")


@transcribe.command(name="file", help="Transcribe one recording and print the transcript as JSON.")
@click.argument("audio", type=click.Path(path_type=Path))
@click.option("--agent-channel", type=click.Choice(sorted(AGENT_CHANNELS)), default=None, help=CHANNEL_HELP)
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    default=None,
    help="A Vosk model folder (default QA_VOSK_MODEL).",
)
@click.option("--metrics", is_flag=True, help="Add the talk measures to the JSON.")
@click.option("--json", "as_json", is_flag=True, default=True, help="JSON output (the default).")
def transcribe_file(audio: Path, agent_channel: str, model_path: Path | None, metrics: bool, as_json: bool) -> None:
    from transcription.audio import AudioError, decode
    from transcription.engine import Engine
    from transcription.metrics import talk_metrics
    from transcription.model import ModelError

    if not audio.is_file():
        _fail(f"the recording file is missing: {audio}")
    try:
        engine = Engine.for_calls(model_path)
        decoded = decode(audio, engine.sample_rate)
    except (ModelError, AudioError) as error:
        _fail(str(error))
    channel = AGENT_CHANNELS[agent_channel] if agent_channel else get_settings().agent_channel
    transcript = engine.transcribe_audio(decoded, channel)
    document = transcript.as_json()
    if metrics:
        document["metrics"] = talk_metrics(transcript).as_json()
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@transcribe.command(name="evaluate", help="Transcribe a folder of recordings with references; print WER and CER.")
@click.argument("refs", type=click.Path(path_type=Path))
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(refs: Path, workers: int, model_path: Path | None, as_json: bool) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from transcription.accuracy import pooled, references, score
    from transcription.audio import AudioError
    from transcription.engine import Engine
    from transcription.model import ModelError

    try:
        pairs = references(refs)
        engine = Engine(model_path)
    except (ValueError, ModelError) as error:
        _fail(str(error))

    def one(path: Path) -> tuple[Path, str | None, str]:
        try:
            return path, engine.transcribe(path).text, ""
        except AudioError as error:
            return path, None, str(error)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, pairs))
    rows, scores = [], []
    for path, hypothesis, problem in results:
        if hypothesis is None:
            rows.append({"file": path.name, "error": problem})
            continue
        result = score(pairs[path], hypothesis)
        scores.append(result)
        rows.append(
            {
                "file": path.name,
                "wer": result.wer,
                "cer": result.cer,
                "words": result.ref_words,
                "hypothesis": hypothesis,
            }
        )
    total = pooled(scores)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "model": engine.info.name,
                    "files": rows,
                    "wer": total.wer,
                    "cer": total.cer,
                    "words": total.ref_words,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for row in rows:
            if "error" in row:
                click.echo(f"{row['file']:<40} failed: {row['error']}")
            else:
                click.echo(f"{row['file']:<40} WER {row['wer']:6.1%}  CER {row['cer']:6.1%}  ({row['words']} words)")
        click.echo(
            f"{'overall':<40} WER {total.wer or 0:6.1%}  CER {total.cer or 0:6.1%}  ({total.ref_words} words, model {engine.info.name})"
        )
    if any("error" in row for row in rows):
        sys.exit(1)
