"""`qa transcribe ...` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qa_app.i18n import _, _l, ngettext
from qa_app.settings import AGENT_CHANNELS, get_settings

# Counts keep the English they always had ("queued 1 recordings"): both English forms are the
# plural, and a catalogue gives the right singular.

CHANNEL_HELP = _l("In a stereo recording, the channel that carries the agent (default QA_AGENT_CHANNEL, else left).")


def _fail(message: str) -> None:
    click.echo(f"qa: {message}", err=True)
    sys.exit(2)


@click.group(invoke_without_command=True, help=_l("Transcribe the pending call recordings (offline, with Vosk)."))
@click.option("--month", default=None, metavar="YYYY-MM", help=_l("Only calls of this month."))
@click.option("--sampled", is_flag=True, help=_l("Only the calls in the monthly QA sample (`qa sample`)."))
@click.option("--workers", default=None, type=int, help=_l("Recordings decoded at once (default: one per core)."))
@click.option(
    "--kind",
    type=click.Choice(["auto", "process", "thread"]),
    default="auto",
    show_default=True,
    help=_l("Worker processes (one model each) or threads (sharing one); auto: processes for 2+ workers."),
)
@click.option("--agent-channel", type=click.Choice(sorted(AGENT_CHANNELS)), default=None, help=CHANNEL_HELP)
@click.option("--json", "as_json", is_flag=True, help=_l("Print the summary as JSON."))
@click.option(
    "--status", is_flag=True, help=_l("Only say where the work stands: the backlog, failures, time to clear.")
)
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
        _fail(_("--workers must be at least 1"))
    if get_settings().queue_url:
        queued = run_with_database(lambda: batch.enqueue_pending(first, sampled))
        click.echo(
            ngettext("queued %(n)s recordings for the qa workers", "queued %(n)s recordings for the qa workers", queued)
            % {"n": queued},
            err=True,
        )
        return
    try:
        with item_progress(_("transcribing")) as progress:
            summary = run_with_database(
                lambda: batch.run_batch(
                    month=first,
                    sampled=sampled,
                    workers=workers,
                    kind=kind,
                    on_start=lambda described: click.echo(
                        _("transcribing with %(workers)s") % {"workers": described}, err=True
                    ),
                    on_finished=progress,
                    agent_channel=AGENT_CHANNELS.get(agent_channel or ""),
                )
            )
    except ModelError as error:
        _fail(str(error))
    counts = {"done": summary.done, "failed": summary.failed, "recovered": summary.recovered}
    if summary.recovered:
        line = _("%(done)s transcribed, %(failed)s failed, %(recovered)s taken back from an interrupted run") % counts
    else:
        line = _("%(done)s transcribed, %(failed)s failed") % counts
    click.echo(line, err=True)
    if as_json:
        click.echo(json.dumps(summary.__dict__))


def _status(as_json: bool) -> None:
    from qa_app.cli_support import run_with_database
    from qa_app.formatting import decimal
    from transcription.backlog import backlog, how_long

    found = run_with_database(backlog)
    if as_json:
        click.echo(json.dumps(found.as_json(), indent=2))
        return
    hours = decimal(found.audio_seconds / 3600, 1)
    click.echo(
        _("backlog: %(calls)s recorded calls to transcribe, %(hours)s hours of audio (%(running)s running)")
        % {"calls": found.calls, "hours": hours, "running": found.running}
    )
    if found.rate:
        eta = found.eta_seconds
        click.echo(
            _("rate: %(rate)s seconds of audio per second (measured on the latest %(n)s); time to clear: %(eta)s")
            % {"rate": decimal(found.rate, 2), "n": found.measured_on, "eta": how_long(eta)}
        )
    else:
        click.echo(_("rate: not measured yet (nothing transcribed here so far)"))
    click.echo(_("failed: %(n)s") % {"n": found.failed})
    for failure in found.failures:
        click.echo("  " + _("call %(call)s: %(reason)s") % {"call": failure["call"], "reason": failure["reason"]})


@transcribe.command(name="file", help=_l("Transcribe one recording and print the transcript as JSON."))
@click.argument("audio", type=click.Path(path_type=Path))
@click.option("--agent-channel", type=click.Choice(sorted(AGENT_CHANNELS)), default=None, help=CHANNEL_HELP)
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    default=None,
    help=_l("A Vosk model folder (default QA_VOSK_MODEL)."),
)
@click.option("--metrics", is_flag=True, help=_l("Add the talk measures to the JSON."))
@click.option("--json", "as_json", is_flag=True, default=True, help=_l("JSON output (the default)."))
def transcribe_file(audio: Path, agent_channel: str, model_path: Path | None, metrics: bool, as_json: bool) -> None:
    from transcription.audio import AudioError, decode
    from transcription.engine import Engine
    from transcription.metrics import talk_metrics
    from transcription.model import ModelError

    if not audio.is_file():
        _fail(_("the recording file is missing: %(file)s") % {"file": audio})
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


@transcribe.command(name="evaluate", help=_l("Transcribe a folder of recordings with references; print WER and CER."))
@click.argument("refs", type=click.Path(path_type=Path))
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help=_l("Print the figures as JSON."))
def evaluate(refs: Path, workers: int, model_path: Path | None, as_json: bool) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from qa_app.formatting import percent
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
                click.echo(f"{row['file']:<40} " + _("failed: %(reason)s") % {"reason": row["error"]})
            else:
                words = ngettext("(%(n)s words)", "(%(n)s words)", row["words"]) % {"n": row["words"]}
                click.echo(f"{row['file']:<40} WER {percent(row['wer']):>6}  CER {percent(row['cer']):>6}  {words}")
        words = ngettext("(%(n)s words, model %(model)s)", "(%(n)s words, model %(model)s)", total.ref_words) % {
            "n": total.ref_words,
            "model": engine.info.name,
        }
        overall = _("overall")
        click.echo(f"{overall:<40} WER {percent(total.wer or 0):>6}  CER {percent(total.cer or 0):>6}  {words}")
    if any("error" in row for row in rows):
        sys.exit(1)
