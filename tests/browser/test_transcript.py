"""The transcript beside the recording, in a real browser: click a word to play from there, the
playing word highlighted, search; and an agent cannot open another agent's call."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

SCRIPT = [
    ("agent", "Good morning, City Council, my name is Sam. How can I help you today?"),
    ("caller", "Hello. My recycling bin was not emptied this morning, on Orchard Road."),
    ("agent", "I'm sorry about that. I will book a return collection for tomorrow morning."),
    ("caller", "Thank you very much."),
    ("agent", "Is there anything else I can help with? Thank you for calling the council."),
]


@pytest.fixture
def recorded_call(live_app):
    team = live_app.add_team("North", leader_email="leader@test.org")
    live_app.add_agent("1001", "Robin Owner", team=team)
    live_app.add_agent("1002", "Kim Other", team=team)
    live_app.create_user("qa@test.org", "qa")
    live_app.create_user("owner@test.org", "agent", agent="1001")
    live_app.create_user("other@test.org", "agent", agent="1002")
    rendered = live_app.speak("browser-call", SCRIPT)
    call = live_app.add_call("1001", recording=rendered.recording_path, service="Missed bin collection")
    live_app.add_transcript(call, rendered)
    return call, rendered.transcript


def open_transcript(page, call_id: int):
    page.goto(f"/calls/{call_id}")
    words = page.locator("#transcript .w")
    words.first.wait_for()  # HTMX has swapped the panel in
    return words


def audio_state(page) -> dict:
    return page.eval_on_selector("audio#recording", "a => ({time: a.currentTime, paused: a.paused})")


def watch_player(page) -> None:
    """Record where the recording seeks to, and every word highlighted (timeupdate is coarse)."""
    page.evaluate(
        """() => {
            window.seeks = [];
            window.highlighted = [];
            document.querySelector('audio#recording').addEventListener('seeked', e => seeks.push(e.target.currentTime));
            new MutationObserver(changes => changes.forEach(c => {
                if (c.target.classList.contains('playing')) highlighted.push(c.target.dataset.start);
            })).observe(document.querySelector('#transcript'), {subtree: true, attributeFilter: ['class']});
        }"""
    )


def click_and_expect_playing_from(page, word, start: float) -> None:
    """Click `word`; the recording seeks to `start`, plays on from there, and highlights the word."""
    page.evaluate("() => { seeks.length = 0; highlighted.length = 0; }")
    word.click()
    try:
        page.wait_for_function("s => seeks.some(t => Math.abs(t - s) < 0.05)", arg=start, timeout=5000)
    except Exception:
        raise AssertionError(
            f"the recording did not seek to {start}: {page.evaluate('seeks')}, {audio_state(page)}"
        ) from None
    page.wait_for_function("s => highlighted.includes(s)", arg=str(start), timeout=5000)
    page.wait_for_function(
        "t => { const a = document.querySelector('audio#recording'); return !a.paused && a.currentTime > t; }",
        arg=start + 0.5,
        timeout=5000,
    )
    # Playing on from the word, not from elsewhere.
    assert start + 0.5 < audio_state(page)["time"] < start + 4, (start, audio_state(page))


def test_click_a_word_plays_from_it_and_highlights_it(live_app, page, recorded_call):
    call_id, transcript = recorded_call
    login(page, "qa@test.org")
    words = open_transcript(page, call_id)
    expected = [w for turn in transcript["turns"] for w in turn["words"]]
    assert words.count() == len(expected)
    assert page.get_by_text("Scripted demo text").is_visible()
    watch_player(page)

    # The caller's word "recycling": the recording plays from there, the word lit up.
    index = next(i for i, w in enumerate(expected) if w["word"] == "recycling")
    click_and_expect_playing_from(page, words.nth(index), expected[index]["start"])
    # One word at a time carries the highlight, and it is the word being played.
    playing = page.locator("#transcript .w.playing")
    page.wait_for_function("() => document.querySelectorAll('#transcript .w.playing').length === 1")
    now = audio_state(page)["time"]
    start = float(playing.get_attribute("data-start"))
    assert start <= now + 0.3 and now - 0.3 <= float(playing.get_attribute("data-end")) + 0.3, (start, now)

    # A later word (the agent's closing), then an earlier one: the recording jumps to each.
    index = next(i for i, w in enumerate(expected) if w["word"] == "anything")
    click_and_expect_playing_from(page, words.nth(index), expected[index]["start"])
    index = next(i for i, w in enumerate(expected) if w["word"] == "morning")
    click_and_expect_playing_from(page, words.nth(index), expected[index]["start"])

    # The time button of a turn plays from the turn's start.
    turn = transcript["turns"][2]
    page.evaluate("() => { seeks.length = 0; }")
    page.locator(f'#transcript button.time[data-start="{turn["start"]}"]').click()
    page.wait_for_function("s => seeks.some(t => Math.abs(t - s) < 0.05)", arg=turn["start"])


def test_search_marks_the_matching_words(live_app, page, recorded_call):
    call_id, transcript = recorded_call
    login(page, "qa@test.org")
    words = open_transcript(page, call_id)
    texts = [w["word"] for turn in transcript["turns"] for w in turn["words"]]
    search = page.get_by_label("Search the transcript")
    hits = page.locator("#transcript .w.hit")
    counter = page.locator("[data-transcript-hits]")

    search.press_sequentially("morn")
    expected = [i for i, t in enumerate(texts) if "morn" in t]
    assert len(expected) == 3  # "morning" three times
    assert hits.count() == 3 and counter.inner_text() == "3 matches"
    assert [words.nth(i).get_attribute("class") for i in expected] == ["w hit"] * 3

    # A phrase matches across words: what a QA user looks for ("my name is").
    search.fill("")
    search.press_sequentially("my name is")
    assert [h.inner_text() for h in hits.all()] == ["my", "name", "is"]
    assert counter.inner_text() == "1 match"

    search.fill("")
    assert hits.count() == 0 and counter.inner_text() == ""
    search.press_sequentially("zebra")
    assert hits.count() == 0 and counter.inner_text() == "0 matches"


def test_an_agent_cannot_open_another_agents_call(live_app, new_context, recorded_call):
    call_id, _transcript = recorded_call
    other = new_context().new_page()
    login(other, "other@test.org")
    response = other.goto(f"/calls/{call_id}")
    assert response.status == 404
    assert other.get_by_role("heading", name="Not found").is_visible()
    assert other.locator("audio").count() == 0
    assert other.request.get(f"/calls/{call_id}/recording").status == 404

    owner = new_context().new_page()
    login(owner, "owner@test.org")
    assert owner.goto(f"/calls/{call_id}").status == 200
    assert open_transcript(owner, call_id).count() > 0


def test_a_link_to_a_moment_opens_the_recording_there(live_app, page, recorded_call):
    """Coaching summaries link to the moment in question: /calls/ID?t=SECONDS."""
    call_id, _transcript = recorded_call
    login(page, "qa@test.org")
    page.goto(f"/calls/{call_id}?t=2.5")
    page.wait_for_function("() => Math.abs(document.querySelector('audio#recording').currentTime - 2.5) < 0.05")
    assert audio_state(page)["paused"] is True  # ready to play, never playing by itself
