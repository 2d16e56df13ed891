"""`qa transcribe ...` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

AGENT_CHANNELS = {"left": 0, "right": 1}


def _fail(message: str) -> None:
    click.echo(f"qa: {message}", err=True)
    sys.exit(2)


@click.group(help="Offline transcription of call recordings with Vosk.")
def transcribe() -> None:
    pass


@transcribe.command(name="file", help="Transcribe one recording and print the transcript as JSON.")
@click.argument("audio", type=click.Path(path_type=Path))
@click.option(
    "--agent-channel",
    type=click.Choice(sorted(AGENT_CHANNELS)),
    default="left",
    show_default=True,
    help="In a stereo recording, the channel that carries the agent.",
)
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
        engine = Engine(model_path)
        decoded = decode(audio, engine.sample_rate)
    except (ModelError, AudioError) as error:
        _fail(str(error))
    transcript = engine.transcribe_audio(decoded, AGENT_CHANNELS[agent_channel])
    document = transcript.as_json()
    if metrics:
        document["metrics"] = talk_metrics(transcript).as_json()
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))
