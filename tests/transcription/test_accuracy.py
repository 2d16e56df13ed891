"""WER and CER: hand-made texts, pooling, reference folders, and `qa transcribe evaluate`."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from qa_app.cli import main
from transcription.accuracy import Score, normalise, pooled, references, score


def test_normalising_ignores_case_and_punctuation():
    assert normalise("Hello, City-Hall!  How can I help?") == "hello city hall how can i help"
    assert normalise("Don't") == "don't"


def test_hand_worked_error_rates():
    # reference "the bin was not collected" (5 words), hypothesis "the bin was collect it":
    # the cheapest alignment substitutes not->collect and collected->it: 2 errors over 5 words.
    result = score("The bin was not collected.", "the bin was collect it")
    assert (result.word_errors, result.ref_words) == (2, 5)
    assert result.wer == pytest.approx(0.4)
    # One word missing and one extra: "my bin was missed" -> "bin was missed today": 2 over 4.
    assert score("my bin was missed", "bin was missed today").wer == pytest.approx(0.5)
    exact = score("Missed bin", "missed bin")
    assert (exact.wer, exact.cer) == (0.0, 0.0)
    # characters, spaces included: "abc" vs "abd" is 1 error over 3.
    assert score("abc", "abd").cer == pytest.approx(1 / 3)
    assert score("", "noise").wer is None


def test_pooled_rates_weigh_by_reference_length():
    long = Score(word_errors=10, ref_words=100, char_errors=20, ref_chars=500)
    short = Score(word_errors=1, ref_words=1, char_errors=3, ref_chars=3)
    total = pooled([long, short])
    assert total.wer == pytest.approx(11 / 101)  # not the mean of 0.1 and 1.0
    assert total.cer == pytest.approx(23 / 503)


def test_reference_folders(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "a.txt").write_text("first reference\n")
    (tmp_path / "b.mp3").write_bytes(b"x")
    (tmp_path / "text").write_text("b second reference\n")
    (tmp_path / "c.wav").write_bytes(b"x")  # no reference: left out
    assert {p.name: t for p, t in references(tmp_path).items()} == {
        "a.wav": "first reference",
        "b.mp3": "second reference",
    }
    (tmp_path / "text").write_text("zzz nothing\n")
    with pytest.raises(ValueError, match=r"text, line 1: no audio file named zzz"):
        references(tmp_path)


def test_evaluate_command_on_real_speech(speech, deterministic_model, tmp_path):
    from tests.transcription.conftest import AGENT_SENTENCE, CALLER_SENTENCE

    shutil.copy(speech["agent16.wav"], tmp_path / "agent.wav")
    shutil.copy(speech["caller16.wav"], tmp_path / "caller.wav")
    (tmp_path / "agent.txt").write_text(AGENT_SENTENCE)
    (tmp_path / "text").write_text(f"caller {CALLER_SENTENCE}\n")
    shutil.copy(speech["truncated.wav"], tmp_path / "broken.wav")
    (tmp_path / "broken.txt").write_text("whatever")
    result = CliRunner().invoke(
        main, ["transcribe", "evaluate", str(tmp_path), "--model", str(deterministic_model), "--json"]
    )
    assert result.exit_code == 1  # one file could not be decoded
    report = json.loads(result.stdout)
    by_file = {row["file"]: row for row in report["files"]}
    assert by_file["broken.wav"]["error"].startswith("the file is truncated")
    for name, reference in (("agent.wav", AGENT_SENTENCE), ("caller.wav", CALLER_SENTENCE)):
        row = by_file[name]
        expected = score(reference, row["hypothesis"])
        assert (row["wer"], row["cer"]) == (expected.wer, expected.cer)
    total = pooled(
        [
            score(AGENT_SENTENCE, by_file["agent.wav"]["hypothesis"]),
            score(CALLER_SENTENCE, by_file["caller.wav"]["hypothesis"]),
        ]
    )
    assert (report["wer"], report["cer"]) == (total.wer, total.cer)
    assert report["words"] == len(AGENT_SENTENCE.split()) + len(CALLER_SENTENCE.split())
