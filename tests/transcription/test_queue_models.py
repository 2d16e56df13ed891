"""A model per queue (issue 16): a centre that answers in several languages names a model folder
for a queue (QA_VOSK_MODELS); that queue's calls are decoded with it, every other call with the
default model, in the in-process batch and in `qa worker`'s job alike. Here the "other language"
is a second copy of the Korean model under another name, so the stored model name tells which
one decoded each call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from qa_app.settings import get_settings, reset_settings
from qa_app.tables import Call
from tests.transcription.test_batch import add_calls, clips  # noqa: F401 - the espeak-ng clips fixture
from transcription import batch, pool
from transcription.model import ModelError
from transcription.tables import Transcription


@pytest.fixture(scope="session")
def second_model(deterministic_model, tmp_path_factory) -> Path:
    """The deterministic Korean model again, in a folder named like another language's model."""
    folder = tmp_path_factory.mktemp("models") / "vosk-model-revenues"
    folder.mkdir()
    for entry in deterministic_model.iterdir():
        (folder / entry.name).symlink_to(entry.resolve())
    return folder


async def models_by_call() -> dict[str, str]:
    rows = await Transcription.select(
        Transcription.call.external_id.as_alias("call"), Transcription.status, Transcription.model
    )
    assert {r["status"] for r in rows} == {"done"}
    return {r["call"]: r["model"] for r in rows}


async def calls_in_queues(clips) -> None:  # noqa: F811
    """Four calls: r0 and r2 in Revenues, r1 and r3 in Housing."""
    await add_calls(clips, 4)
    for index, queue in enumerate(("Revenues", "Housing", "Revenues", "Housing")):
        await Call.update({Call.queue: queue}).where(Call.external_id == f"r{index}")


async def test_a_queue_with_a_model_of_its_own_is_decoded_with_it(
    clean_db,
    clips,  # noqa: F811
    deterministic_model,
    second_model,
    monkeypatch,
):
    if clean_db != "sqlite":
        pytest.skip("the choice of model does not depend on the database: tested once, on SQLite")
    monkeypatch.setenv("QA_VOSK_MODEL", str(deterministic_model))
    monkeypatch.setenv("QA_VOSK_MODELS", f"Revenues={second_model}")
    reset_settings()
    await calls_in_queues(clips)

    summary = await batch.run_batch(workers=1)
    assert (summary.done, summary.failed) == (4, 0)
    default = deterministic_model.name
    assert await models_by_call() == {
        "r0": "vosk-model-revenues",
        "r1": default,
        "r2": "vosk-model-revenues",
        "r3": default,
    }

    expected = await models_by_call()

    # Worker processes, each loading the queue's model when its first call comes, choose the same.
    await Transcription.update({Transcription.status: "pending", Transcription.model: ""}, force=True)
    summary = await batch.run_batch(workers=2, kind="process")
    assert (summary.done, summary.workers) == (4, "2 worker processes, one model each")
    assert await models_by_call() == expected

    # And so does `qa worker`'s job.
    await Transcription.update({Transcription.status: "pending", Transcription.model: ""}, force=True)
    for row in await Transcription.select(Transcription.id):
        assert await batch.transcribe_job({}, row["id"]) == "done"
    assert await models_by_call() == expected


def test_a_queue_named_with_a_folder_that_is_no_model_stops_the_run_before_it_starts(
    deterministic_model, tmp_path, monkeypatch
):
    monkeypatch.setenv("QA_VOSK_MODEL", str(deterministic_model))
    monkeypatch.setenv("QA_VOSK_MODELS", f"Stadsdelen={tmp_path / 'vosk-model-sv'}")
    reset_settings()
    try:
        assert get_settings().vosk_models == {"Stadsdelen": str(tmp_path / "vosk-model-sv")}
        with pytest.raises(ModelError, match="QA_VOSK_MODELS, queue 'Stadsdelen': .*vosk-model-sv is not a folder"):
            pool.Transcriber(1)
        with pytest.raises(ModelError, match="QA_VOSK_MODELS, queue 'Stadsdelen': .*vosk-model-sv is not a folder"):
            asyncio.run(batch._engine_for("Stadsdelen"))  # `qa worker`'s job, before it claims the call
    finally:
        monkeypatch.delenv("QA_VOSK_MODELS")
        reset_settings()
