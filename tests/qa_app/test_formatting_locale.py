"""Formats by locale (issue 21): the same figure and time read the way each language writes
them; English keeps the centre's neutral formats."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from qa_app import formatting, i18n

WHEN = datetime(2026, 10, 5, 9, 12, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("language", "percent", "count", "decimal", "moment", "month", "weekday"),
    [
        ("en", "92.5%", "12\u202f345", "4.3", "2026-10-05 09:12", "October 2026", "Monday"),
        ("sv", "92,5\xa0%", "12\xa0345", "4,3", "2026-10-05 09:12", "oktober 2026", "måndag"),
        ("nl", "92,5%", "12.345", "4,3", "05-10-2026 09:12", "oktober 2026", "maandag"),
    ],
)
def test_figures_and_times_in_each_language(monkeypatch, language, percent, count, decimal, moment, month, weekday):
    monkeypatch.setenv("QA_TIMEZONE", "UTC")
    from qa_app.settings import reset_settings

    reset_settings()
    with i18n.using(language):
        assert formatting.percent(0.925) == percent
        assert formatting.number(12345) == count
        assert formatting.decimal(4.31) == decimal
        assert formatting.local(WHEN) == moment
        assert formatting.month("2026-10") == month
        assert formatting.weekday(date(2026, 10, 5)) == weekday
        assert formatting.duration(125) == "2:05"
    reset_settings()


def test_the_language_is_the_users_then_the_centres_then_the_browsers(monkeypatch):
    from qa_app.settings import reset_settings

    monkeypatch.delenv("QA_LANGUAGE", raising=False)
    reset_settings()
    assert i18n.choose("", "nl-NL,nl;q=0.9,en;q=0.5") == "nl"
    assert i18n.choose("", "de-DE") == "en"
    assert i18n.choose("sv", "nl-NL") == "sv"
    monkeypatch.setenv("QA_LANGUAGE", "sv")
    reset_settings()
    assert i18n.choose("", "nl-NL") == "sv"
    assert i18n.choose("nl", "en") == "nl"
    reset_settings()


def test_an_unknown_centre_language_is_refused(monkeypatch):
    from qa_app.settings import ConfigError, get_settings, reset_settings

    monkeypatch.setenv("QA_LANGUAGE", "klingon")
    reset_settings()
    with pytest.raises(ConfigError, match="QA_LANGUAGE"):
        get_settings()
    monkeypatch.delenv("QA_LANGUAGE")
    reset_settings()
