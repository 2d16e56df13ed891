"""Call flags: the plain rules on hand-made calls (each kind, and a call with none), then the
database: every kind found on a hand-made month, and re-running changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from cases.tables import Case, CaseLink
from qa_app.tables import Agent, Call, Service
from scorecards import flag_store, versions
from scorecards.config import DEFAULTS, SettingsError, check
from scorecards.flags import KINDS, FlagRules, PhraseList, Repeat, Usual, call_flags
from scorecards.tables import AutoCheck, CallFlag
from surveys.tables import SurveyResponse
from transcription.tables import Transcription

RULES = FlagRules.from_settings(DEFAULTS["flags"], min_confidence=0.5)
USUAL = Usual(240.0, 30, "Waste collection")


def turn(speaker: str | None, start: float, text: str, step: float = 0.4, conf: float = 0.9) -> dict:
    """A turn of words 0.3 s long, one every `step` seconds."""
    words = [
        {"word": word, "start": round(start + i * step, 2), "end": round(start + i * step + 0.3, 2), "conf": conf}
        for i, word in enumerate(text.split())
    ]
    return {"speaker": speaker, "start": start, "end": words[-1]["end"], "text": text, "words": words}


def transcript(*turns: dict) -> dict:
    return {"duration": max(t["end"] for t in turns) + 1, "turns": list(turns)}


QUIET = transcript(
    turn("agent", 0.0, "good morning you are through to the council my name is Sam"),
    turn("caller", 5.0, "hello my bin was not emptied on tuesday"),
    turn("agent", 8.5, "I am sorry to hear that let me book a collection for you"),
    turn("caller", 13.5, "thank you very much"),
)


def flags(**given) -> dict[str, str]:
    call = given.pop("call", {"talk_seconds": 240, "transferred": False, "disposition": "answered"})
    given.setdefault("usual", USUAL)
    return {f.kind: f.detail for f in call_flags(call, RULES, **given)}


def test_a_call_with_nothing_to_see_has_no_flags():
    assert (
        flags(
            transcript=QUIET,
            metrics={"longest_silence": 1.2, "overlap": 0.4},
            checks=[{"criterion": "greeting", "title": "Greeting", "value": 1.0, "summary": "ok"}],
            satisfaction=4,
        )
        == {}
    )


def test_long_silence_says_how_long_and_when():
    quiet_spell = transcript(
        turn("agent", 0.0, "let me look that up for you"), turn("agent", 130.0 + 48.0, "thank you for waiting")
    )
    # The agent's last word ends at 2.7 s; speech starts again at 178 s: 175.3 s of silence from 0:03.
    found = flags(transcript=quiet_spell)
    assert found["silence"] == "Nobody spoke for 2:55 from 0:03."
    short_pause = transcript(turn("agent", 0.0, "one moment"), turn("caller", 0.7 + 19.0, "yes"))
    assert "silence" not in flags(transcript=short_pause)  # 19 s: under the 20 s of the settings
    assert flags(metrics={"longest_silence": 31.0})["silence"] == "Nobody spoke for 0:31."  # no words: no place


def test_talk_over_from_the_metrics_or_the_words():
    assert flags(metrics={"overlap": 12.4})["talk_over"] == "Agent and caller spoke at once for 0:12 in all."
    assert "talk_over" not in flags(metrics={"overlap": 9.0})
    # No metrics: worked out from the words. The caller talks through 30 words of the agent's.
    both = transcript(turn("agent", 0.0, " ".join(["word"] * 30)), turn("caller", 0.0, " ".join(["other"] * 30)))
    assert flags(transcript=both)["talk_over"] == "Agent and caller spoke at once for 0:12 in all."
    # A mono recording cannot tell who spoke when.
    assert "talk_over" not in flags(transcript=transcript(turn(None, 0.0, "hello there")))


def test_unusually_long_or_short_for_the_service():
    long_call = {"talk_seconds": 800, "transferred": False}
    assert (
        flags(call=long_call)["long"] == "Talk time 13:20 against a usual 4:00 for Waste collection: 3.3 times as long."
    )
    assert (
        flags(call={"talk_seconds": 60})["short"]
        == "Talk time 1:00 against a usual 4:00 for Waste collection: 25% of it."
    )
    assert flags(call={"talk_seconds": 700}) == {} and flags(call={"talk_seconds": 90}) == {}  # within 3 times
    # A service with too few calls that month has no usual length.
    assert flags(call=long_call, usual=Usual(240.0, 19, "Waste collection")) == {}


def test_a_failed_automatic_check_with_what_it_found():
    checks = [
        {
            "criterion": "greeting",
            "title": "Greeting",
            "value": 0.0,
            "summary": "None of “good morning” heard in the first 0:15.",
        },
        {"criterion": "closing", "title": "Closing", "value": 1.0, "summary": "“anything else” at 3:02."},
        {"criterion": "call_length", "title": "Call length", "value": None, "summary": "No transcript yet."},
    ]
    assert flags(checks=checks)["automatic"] == (
        "Automatic check failed: Greeting (None of “good morning” heard in the first 0:15)."
    )
    checks[1]["value"] = 0.0
    assert flags(checks=checks)["automatic"].startswith("Automatic checks failed: Greeting (")
    assert "; Closing (“anything else” at 3:02)." in flags(checks=checks)["automatic"]


def test_words_of_complaint_and_a_manager_in_each_language_from_the_caller_only():
    english = transcript(
        turn("agent", 0.0, "if you have a complaint I can note it"),  # the agent's words do not count
        turn("caller", 5.0, "yes I want to make a complaint about the bins"),
        turn("caller", 12.0, "can I speak to your manager please"),
    )
    found = flags(transcript=english)
    assert found["complaint"] == "The caller said “a complaint” at 0:07."  # "make a complaint": "a" at 5 + 5 * 0.4
    assert found["manager"] == "Asked for a manager: the caller said “speak to your manager” at 0:13."
    swedish = transcript(turn("caller", 0.0, "hej jag ringer för att klagar på sophämtningen"))  # a stem: klaga, klagar
    assert flags(transcript=swedish)["complaint"] == "The caller said “klagar” at 0:02."
    dutch = transcript(
        turn("caller", 0.0, "mag ik uw leidinggevende spreken"), turn("caller", 3.0, "ik wil een klacht indienen")
    )
    found = flags(transcript=dutch)
    assert found["manager"] == "Asked for a manager: the caller said “uw leidinggevende” at 0:01."
    assert found["complaint"] == "The caller said “een klacht” at 0:04."
    # A word the recogniser was unsure of is not evidence; a mono recording counts every word.
    unsure = transcript(turn("caller", 0.0, "I want to make a complaint", conf=0.3))
    assert "complaint" not in flags(transcript=unsure)
    mono = transcript(turn(None, 0.0, "this is unacceptable"))
    assert flags(transcript=mono)["complaint"] == "Someone said “this is unacceptable” at 0:00."
    # What was heard, as heard: "I'm FED UP!" is "im fed up".
    shouted = transcript(turn("caller", 0.0, "honestly I'm FED UP!"))
    assert flags(transcript=shouted)["complaint"] == "The caller said “fed up” at 0:01."
    assert "complaint" not in flags(transcript=QUIET) and "manager" not in flags(transcript=QUIET)


def test_phrases_match_by_stem_not_by_shared_start():
    phrases = PhraseList(["to complain", "your manager"])
    words = [(w, float(i)) for i, w in enumerate("i rang to complained about your managers".split())]
    assert phrases.find(words) == ("to complain", "to complained", 2.0)
    assert PhraseList(["fed up"]).find([("fed", 0.0), ("upstairs", 1.0)]) is None
    assert PhraseList(["fed up"]).find([("fed", 0.0)]) is None  # the phrase runs past the last word


def test_low_survey_repeat_and_transfer():
    assert flags(satisfaction=2)["low_survey"] == "The resident rated the call 2 of 5."
    assert "low_survey" not in flags(satisfaction=3)
    assert flags(repeat=Repeat(3.4, "Waste collection"))["repeat"] == (
        "The same caller rang about Waste collection 3 days before."
    )
    assert flags(repeat=Repeat(0.25))["repeat"] == "The same caller rang 6 hours before."
    assert flags(repeat=Repeat(2.0, earlier_case="2026-000100"))["repeat"] == (
        "Its case repeats case 2026-000100, opened 2 days before."
    )
    assert flags(call={"talk_seconds": 240, "transferred": True})["transfer"] == "The call was transferred."
    assert flags(call={"talk_seconds": 240, "disposition": "transferred"})["transfer"] == "The call was transferred."


def test_flags_come_in_a_fixed_order():
    found = call_flags(
        {"talk_seconds": 900, "transferred": True}, RULES, satisfaction=1, metrics={"overlap": 20}, usual=USUAL
    )
    assert [f.kind for f in found] == ["low_survey", "talk_over", "long", "transfer"]
    assert [f.kind for f in found] == [k for k in KINDS if k in {f.kind for f in found}]


def test_the_flag_settings_are_checked():
    assert check({})["flags"]["repeat_days"] == 7
    for bad in (
        {"silence_seconds": 0},
        {"length_factor": 1},
        {"low_satisfaction": 5},
        {"repeat_days": 0},
        {"phrases": {"complaint": {"en": [""]}, "manager": {}}},
        {"phrases": {"complaint": {"en": "a complaint"}, "manager": {}}},
    ):
        with pytest.raises(SettingsError):
            check({"flags": bad})
    every = DEFAULTS["flags"]["phrases"]
    assert all(every[kind][language] for kind in ("complaint", "manager") for language in ("en", "sv", "nl"))


# --- the database -------------------------------------------------------------------------------

MONTH = date(2026, 9, 1)
AT = datetime(2026, 9, 14, 9, 0, tzinfo=timezone.utc)


def _call(external_id: str, agent: int, service: int | None, offered: datetime, talk: int = 240, **extra) -> Call:
    return Call(
        external_id=external_id,
        agent=agent,
        service=service,
        offered_at=offered,
        answered_at=offered + timedelta(seconds=10),
        wait_seconds=10,
        talk_seconds=talk,
        disposition=extra.pop("disposition", "answered"),
        recording_path=f"{external_id}.wav",
        **extra,
    )


async def hand_made_month() -> dict[str, int]:
    """25 ordinary calls about waste collection (a usual of 4:00), and a call for each kind of
    flag, plus one more that has nothing to see."""
    agent = (await Agent.insert(Agent(staff_number="201", name="Alex")).returning(Agent.id))[0]["id"]
    waste = (await Service.insert(Service(name="Waste collection")).returning(Service.id))[0]["id"]
    calls = [_call(f"usual-{i}", agent, waste, AT + timedelta(hours=i)) for i in range(25)]
    special = {
        "quiet": {},
        "silence": {},
        "talk_over": {},
        "long": {"talk": 900},
        "short": {"talk": 40},
        "automatic": {},
        "complaint": {},
        "manager": {},
        "low_survey": {},
        "repeat": {"caller_hash": "caller-a"},
        "repeat_case": {},
        "transfer": {"transferred": True, "disposition": "transferred"},
    }
    for index, (name, extra) in enumerate(special.items()):
        calls.append(_call(name, agent, waste, AT + timedelta(days=1, hours=index), **extra))
    # The repeat's earlier call: the same caller about the same service three days before.
    calls.append(
        _call("earlier", agent, waste, AT + timedelta(days=1, hours=9) - timedelta(days=3), caller_hash="caller-a")
    )
    calls.append(_call("abandoned", None, waste, AT, talk=0, disposition="abandoned"))
    await Call.insert(*calls)
    ids = {r["external_id"]: r["id"] for r in await Call.select(Call.id, Call.external_id)}
    done = {"status": "done", "finished_at": AT}
    await Transcription.insert(
        Transcription(call=ids["quiet"], transcript=QUIET, metrics={"longest_silence": 1.0, "overlap": 0.5}, **done),
        Transcription(
            call=ids["silence"],
            transcript=transcript(turn("agent", 0.0, "let me check"), turn("agent", 60.0, "thanks for holding")),
            metrics={"longest_silence": 59.1, "overlap": 0.0},
            **done,
        ),
        Transcription(
            call=ids["talk_over"], transcript=QUIET, metrics={"longest_silence": 1.0, "overlap": 14.0}, **done
        ),
        Transcription(
            call=ids["complaint"],
            transcript=transcript(turn("caller", 0.0, "I would like to make a complaint")),
            metrics={"overlap": 0.0},
            **done,
        ),
        Transcription(
            call=ids["manager"],
            transcript=transcript(turn("caller", 0.0, "can I speak to your supervisor")),
            metrics={"overlap": 0.0},
            **done,
        ),
    )
    template = await versions.default()
    await AutoCheck.insert(
        AutoCheck(
            call=ids["automatic"],
            agent=agent,
            month="2026-09",
            template=template["id"],
            criterion="greeting",
            value=0.0,
            evidence={"summary": "None of “good morning” heard in the first 0:15."},
        ),
        AutoCheck(
            call=ids["quiet"], agent=agent, month="2026-09", template=template["id"], criterion="greeting", value=1.0
        ),
    )
    await SurveyResponse.insert(
        SurveyResponse(call=ids["low_survey"], agent=agent, satisfaction=1),
        SurveyResponse(call=ids["low_survey"], agent=agent, satisfaction=4),
        SurveyResponse(call=ids["quiet"], agent=agent, satisfaction=5),
    )
    first_case = await Case.insert(
        Case(tracking_number="2026-000100", channel="phone", created_at=AT - timedelta(days=2))
    ).returning(Case.id)
    second_case = await Case.insert(
        Case(
            tracking_number="2026-000101",
            channel="phone",
            created_at=AT + timedelta(days=1, hours=10),
            repeat_of=first_case[0]["id"],
        )
    ).returning(Case.id)
    await CaseLink.insert(CaseLink(case=second_case[0]["id"], kind="call", ref=ids["repeat_case"]))
    return ids


async def stored() -> dict[int, dict[str, tuple]]:
    rows = await CallFlag.select(
        CallFlag.id, CallFlag.call, CallFlag.kind, CallFlag.detail, CallFlag.flagged_at, CallFlag.month
    )
    result: dict[int, dict[str, tuple]] = {}
    for row in rows:
        result.setdefault(row["call"], {})[row["kind"]] = (row["id"], row["detail"], row["flagged_at"], row["month"])
    return result


async def test_every_kind_is_found_on_a_hand_made_month_and_a_rerun_changes_nothing(clean_db):
    ids = await hand_made_month()
    run = await flag_store.flag_month(MONTH)
    flagged = await stored()
    kinds = {name: set(flagged.get(ids[name], {})) for name in ids}
    expected = {name: {name} for name in KINDS}
    expected["repeat_case"] = {"repeat"}
    for name, want in expected.items():
        assert kinds[name] == want, name
    assert kinds["quiet"] == set() and kinds["earlier"] == set() and kinds["abandoned"] == set()
    assert all(not kinds[f"usual-{i}"] for i in range(25))
    details = {name: flagged[ids[name]] for name in expected}
    assert details["silence"]["silence"][1] == "Nobody spoke for 0:59 from 0:01."
    assert details["long"]["long"][1] == "Talk time 15:00 against a usual 4:00 for Waste collection: 3.8 times as long."
    assert details["automatic"]["automatic"][1] == (  # the criterion's title, from the template version
        "Automatic check failed: Greeting and name (None of “good morning” heard in the first 0:15)."
    )
    assert details["manager"]["manager"][1] == "Asked for a manager: the caller said “your supervisor” at 0:02."
    assert details["low_survey"]["low_survey"][1] == "The resident rated the call 1 of 5."  # the lowest answer
    assert details["repeat"]["repeat"][1] == "The same caller rang about Waste collection 3 days before."
    assert details["repeat_case"]["repeat"][1] == "Its case repeats case 2026-000100, opened 3 days before."
    assert {row[3] for call in flagged.values() for row in call.values()} == {"2026-09"}
    assert run.calls == 38 and run.flagged == 11 and run.inserted == 11 and run.kinds["repeat"] == 2

    again = await flag_store.flag_month(MONTH)
    assert again.changed == 0 and again.flagged == 11
    assert await stored() == flagged  # the same rows, ids and moments

    # Things change: the transfer is corrected, the resident's answer removed, the silence call abandoned.
    await Call.update({Call.transferred: False, Call.disposition: "answered"}).where(Call.id == ids["transfer"])
    await SurveyResponse.delete().where(SurveyResponse.call == ids["low_survey"])
    await Call.update({Call.disposition: "abandoned"}).where(Call.id == ids["silence"])
    changed = await flag_store.flag_month(MONTH)
    assert changed.deleted == 3 and changed.inserted == 0 and changed.updated == 0
    now = await stored()
    assert ids["transfer"] not in now and ids["low_survey"] not in now and ids["silence"] not in now
    assert now[ids["long"]] == flagged[ids["long"]]


async def test_flag_calls_after_an_import_or_a_transcript(clean_db):
    ids = await hand_made_month()
    await flag_store.flag_calls([ids["complaint"], ids["transfer"], ids["quiet"]])
    flagged = await stored()
    assert set(flagged) == {ids["complaint"], ids["transfer"]}
    # A later transcript of the quiet call has the caller asking for a manager.
    await Transcription.update(
        {Transcription.transcript: transcript(turn("caller", 0.0, "I want to talk to a manager now"))}
    ).where(Transcription.call == ids["quiet"])
    run = await flag_store.flag_calls([ids["quiet"], ids["abandoned"]])
    assert run.inserted == 1 and run.deleted == 0
    assert [f["label"] for f in await flag_store.for_call(ids["quiet"])] == ["Asked for a manager"]
    assert (await flag_store.flag_calls([ids["quiet"]])).changed == 0
