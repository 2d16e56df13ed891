"""Search across every transcript, on SQLite (FTS5) and PostgreSQL (tsvector, GIN): the query
language and its escaping, the index, who sees what, the page, saved searches and `qa search`."""

from __future__ import annotations

import json
import random
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from qa_app import db
from qa_app.tables import Call
from tests.qa_command import run_qa
from tests.web import HTML, csrf_from, login, routes_listed, routes_of
from transcription import search
from transcription.package import PACKAGE
from transcription.search_cli import search as search_command
from transcription.search_routes import ROUTES as HANDLERS
from transcription.tables import SavedSearch, TranscriptIndex, Transcription

WORD_SECONDS = 0.4


def transcript(*turns: tuple[str | None, float, str]) -> dict:
    """The design's transcript JSON from (speaker, start, text): words WORD_SECONDS apart."""
    built = []
    for speaker, start, text in turns:
        spoken = [
            {"word": w, "start": round(start + i * WORD_SECONDS, 2), "end": round(start + i * WORD_SECONDS + 0.3, 2)}
            for i, w in enumerate(text.split())
        ]
        for w in spoken:
            w["conf"] = 0.9
        built.append({"speaker": speaker, "start": start, "end": spoken[-1]["end"], "text": text, "words": spoken})
    return {"text": " ".join(t["text"] for t in built), "duration": 60.0, "turns": built}


async def add_transcripts(items: dict[int, dict]) -> None:
    await Transcription.insert(
        *(
            Transcription(call=call_id, status="done", text=t["text"], transcript=t, duration=60.0, model="test")
            for call_id, t in items.items()
        )
    )
    await search.index_calls(list(items))


@pytest.fixture
async def bins(centre):
    """Transcripts on calls of the three agents (1 and 2 in North, 3 in South)."""
    calls = {staff: centre["calls"][agent_id] for staff, agent_id in centre["agents"].items()}
    named = {
        # agent 1: the phrase said by the caller, and by the agent; the words but not the phrase
        "own_caller": calls["1"][0],
        "own_agent": calls["1"][1],
        "own_words": calls["1"][2],
        "north_other": calls["2"][0],  # agent 2, same team
        "south": calls["3"][0],  # agent 3, the other team
    }
    await add_transcripts(
        {
            named["own_caller"]: transcript(
                ("agent", 0.5, "good morning city council how can i help"),
                ("caller", 4.0, "hello my green bin was not emptied this morning"),
                ("agent", 9.0, "i am sorry about that"),
            ),
            named["own_agent"]: transcript(
                ("caller", 1.0, "i'm calling about the collection"),
                ("agent", 6.0, "i can see your bin was not emptied on monday"),
            ),
            named["own_words"]: transcript(
                ("caller", 2.0, "was the bin emptied or not i asked about my bin"),
                ("caller", 9.0, "was not emptied is what i mean"),  # a phrase does not run across turns
            ),
            named["north_other"]: transcript(("caller", 3.0, "the bin was not emptied again")),
            named["south"]: transcript(("caller", 0.0, "our bin was not emptied at all")),
        }
    )
    external = {r["id"]: r["external_id"] for r in await Call.select(Call.id, Call.external_id)}
    return {**centre, "named": named, "external": external}


PHRASE = '"bin was not emptied"'


async def engine_documents() -> int:
    """Calls in the engine's own index: SQLite's FTS5 table, PostgreSQL's side documents."""
    if db.is_sqlite():
        sql = 'SELECT COUNT(*) AS n FROM "transcript_fts"'
    else:
        sql = 'SELECT COUNT(DISTINCT "call") AS n FROM "transcript_terms"'
    return (await TranscriptIndex.raw(sql))[0]["n"]


def ids(results: search.Results) -> set[int]:
    return {hit.call_id for hit in results.hits}


# --- The query language and its escaping (no database) ---------------------------------------


def test_words_phrases_and_prefixes_are_parsed():
    query = search.parse('Missed  "Bin Was"  park* it\'s  NEAR(x')
    assert [(t.words, t.prefix) for t in query.terms] == [
        (("missed",), False),
        (("bin", "was"), False),
        (("park",), True),
        (("it", "s"), False),  # a word that splits is a phrase of its parts
        (("near", "x"), False),  # an operator is a plain word
    ]
    assert search.fts5_query(query) == '"missed" "bin was" "park"* "it s" "near x"'
    assert [search.tsquery(term) for term in query.terms] == ["'missed'", "'bin was'", "'park':*", "'it s'", "'near x'"]
    long = search.parse('"is there anything else*"').terms[0]
    assert search.tsquery(long) == (
        "('is there anything' & 'there anything else':* & ('is' <-> 'there' <-> 'anything' <-> 'else':*))"
    )
    assert str(search.parse(str(query))) == str(query)  # a saved search reads back the same


def test_an_unpaired_quote_runs_to_the_end_and_short_prefixes_are_words():
    assert [t.words for t in search.parse('bin "not emptied').terms] == [("bin",), ("not", "emptied")]
    assert search.parse("a*").terms == (search.Term(("a",)),)


@pytest.mark.parametrize("typed", ["", "   ", '"', '""', "*", "-", ":", "()", "(((", "NEAR(", "-*:^", "'\"\\"])
def test_nothing_to_search_for_says_so(typed):
    if re.search(r"\w", typed):
        search.parse(typed)  # "NEAR(" is the word near
        return
    with pytest.raises(search.SearchError, match="Type a word or a phrase"):
        search.parse(typed)


def test_too_long_or_too_many_terms_say_so():
    with pytest.raises(search.SearchError, match="at most 300 characters"):
        search.parse("bin " * 100)
    with pytest.raises(search.SearchError, match="at most 10 words"):
        search.parse(" ".join(f"w{i}" for i in range(11)))


def test_the_snippet_marks_the_match_and_its_moment():
    query = search.parse('"bin was" emptied')
    tokens = "one two three four five six seven eight nine ten my bin was not emptied today".split()
    anchor, parts, cut_before, cut_after = search.highlight(query, tokens)
    assert anchor == 11
    assert parts[1:] == [("bin was", True), ("not", False), ("emptied", True), ("today", False)]
    assert cut_before and not cut_after


def test_the_index_keeps_each_word_s_moment_the_sides_and_the_turns_apart():
    turns = search.index_turns(
        {
            "turns": [
                {
                    "speaker": "caller",
                    "start": 1.0,
                    "words": [{"word": "It's", "start": 1.0}, {"word": "Café", "start": 1.5}],
                },
                {"speaker": "robot", "start": 3.0, "text": "no words here"},
                {"speaker": "agent", "start": 5.0, "words": [{"word": "...", "start": 5.0}]},
                {"speaker": "caller", "start": 6.0, "words": [{"word": "it", "start": 6.0}]},
            ]
        }
    )
    assert turns[0] == search.IndexTurn("caller", ("it", "s", "café"), (100, 100, 150))
    assert turns[1] == search.IndexTurn(None, ("no", "words", "here"), (300, 300, 300))
    assert len(turns) == 3  # a turn without words is left out
    assert search.fts5_columns(turns) == ("", "it s café ¦ it", "no words here")
    # PostgreSQL: a document per side; a position left out between turns; runs of two and three
    # words within a turn, without positions
    documents = dict(search.side_documents(turns))
    assert set(documents) == {"caller", "other"}
    caller = documents["caller"].split(" '")
    assert caller[:3] == ["'it':1,5", "s':2", "café':3"]
    assert set(caller[3:]) == {"it s'", "it s café'", "s café'"}  # not "café it": another turn
    assert search.index_turns({"turns": [], "erased": True}) == []


# --- On both databases -------------------------------------------------------------------------


async def test_a_phrase_with_an_agent_filter_finds_exactly_that_agent_s_calls(bins):
    named, agent_1 = bins["named"], bins["agents"]["1"]
    query = search.parse(PHRASE)
    found = await search.search(query, search.Filters(agent=agent_1))
    assert ids(found) == {named["own_caller"], named["own_agent"]} and found.total == 2
    by_call = {hit.call_id: hit for hit in found.hits}
    caller_hit = by_call[named["own_caller"]]
    assert caller_hit.speaker == "caller" and caller_hit.staff_number == "1"
    assert caller_hit.start == pytest.approx(4.0 + 3 * WORD_SECONDS)  # the moment "bin" is said
    assert caller_hit.snippet == "hello my green bin was not emptied this morning"
    assert ("bin was not emptied", True) in caller_hit.parts
    assert caller_hit.link == f"/calls/{named['own_caller']}?t=5.2"
    assert by_call[named["own_agent"]].snippet == "i can see your bin was not emptied on monday"

    callers_only = await search.search(query, search.Filters(agent=agent_1, speaker="caller"))
    assert ids(callers_only) == {named["own_caller"]}
    everyone = await search.search(query)
    assert ids(everyone) == {named[k] for k in ("own_caller", "own_agent", "north_other", "south")}
    words_anywhere = await search.search(search.parse("emptied bin"), search.Filters(agent=agent_1))
    assert ids(words_anywhere) == {named["own_caller"], named["own_agent"], named["own_words"]}
    team = await search.search(query, search.Filters(team=bins["teams"]["south"]))
    assert ids(team) == {named["south"]}
    prefix = await search.search(search.parse("empt*"), search.Filters(agent=agent_1))
    assert ids(prefix) == ids(words_anywhere)
    moments = {hit.call_id: hit.moments for hit in prefix.hits}
    assert moments == {named["own_caller"]: 1, named["own_agent"]: 1, named["own_words"]: 2}

    sides = search.parse("morning sorry")  # the agent said both; the caller only "morning"
    assert ids(await search.search(sides, search.Filters(agent=agent_1))) == {named["own_caller"]}
    assert ids(await search.search(sides, search.Filters(agent=agent_1, speaker="agent"))) == {named["own_caller"]}
    assert ids(await search.search(sides, search.Filters(agent=agent_1, speaker="caller"))) == set()


async def test_the_scope_wins_over_any_filter(bins):
    named, agents = bins["named"], bins["agents"]
    query = search.parse(PHRASE)
    own = [agents["1"]]
    assert ids(await search.search(query, search.Filters(), own)) == {named["own_caller"], named["own_agent"]}
    assert ids(await search.search(query, search.Filters(agent=agents["2"]), own)) == set()
    assert ids(await search.search(query, search.Filters(team=bins["teams"]["south"]), own)) == set()
    assert await search.count(query, search.Filters(agent=agents["3"]), own) == 0
    assert await search.search(query, search.Filters(), []) == search.Results(query, [], 0, 1, search.PAGE_SIZE)


async def test_dates_pages_and_the_index_kept_in_step(bins):
    named = bins["named"]
    query = search.parse("bin")
    one_by_one = [await search.search(query, page=page, page_size=2) for page in (1, 2, 3, 4)]
    assert [len(r.hits) for r in one_by_one] == [2, 2, 1, 0] and {r.total for r in one_by_one} == {5}
    assert len(set().union(*(ids(r) for r in one_by_one))) == 5
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    assert (await search.search(query, search.Filters(date_from=tomorrow))).total == 0
    assert (await search.search(query, search.Filters(date_to=tomorrow))).total == 5

    assert await TranscriptIndex.count() == 5
    assert await search.index_calls(list(named.values())) == 5  # again: the same documents, none added
    untranscribed = bins["calls"][bins["agents"]["3"]][5:10]
    assert await search.index_calls(untranscribed) == 0
    assert await TranscriptIndex.count() == 5 and await engine_documents() == 5
    # An erased transcript leaves the index when its calls are indexed again.
    await Transcription.update({Transcription.transcript: {"turns": [], "erased": True}, Transcription.text: ""}).where(
        Transcription.call == named["south"]
    )
    await search.index_calls([named["south"]])
    assert named["south"] not in ids(await search.search(query))
    # A deleted call takes its rows with it, and the full-text index follows.
    await Call.delete().where(Call.id == named["north_other"])
    assert await TranscriptIndex.count().where(TranscriptIndex.call == named["north_other"]) == 0
    assert await engine_documents() == 3
    assert ids(await search.search(query)) == {named["own_caller"], named["own_agent"], named["own_words"]}
    assert "transcription.search:index_calls" in PACKAGE.after_calls


HOSTILE = [
    '"',
    '""',
    '"bin',
    'bin"',
    "NEAR(bin emptied",
    "NEAR(bin, emptied, 2)",
    "bin*",
    "*bin",
    "*",
    "-bin",
    "bin -emptied",
    "text:bin",
    "bin:*",
    "(bin",
    "bin)",
    "((bin OR emptied) AND NOT",
    "bin & | ! <-> emptied",
    "'; DROP TABLE call; --",
    "{} {0} %s ? $1",
    "\\",
    "^bin",
    "bin NEAR/2 emptied",
    "ünïcödé 쓰레기 ﬁle",
    "",
    "   ",
]


async def test_hostile_input_never_breaks_the_engine(bins):
    for typed in HOSTILE:
        try:
            query = search.parse(typed)
        except search.SearchError:
            continue
        await search.search(query)
        await search.count(query, search.Filters(speaker="caller"), [bins["agents"]["1"]])
    rng = random.Random(16)
    alphabet = "bin emptied \"'*-:^()[]{}<>!&|~.,;%$?\\/+=NEAR OR AND NOT 쓰레기 é\t\n"
    for _ in range(150):
        typed = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        try:
            query = search.parse(typed)
        except search.SearchError:
            continue
        assert (await search.search(query)).total >= 0, typed
    found = await search.search(search.parse('NEAR("bin was" not emptied'))  # near, "bin was", not, emptied
    assert bins["named"]["own_caller"] not in ids(found)


async def test_saved_search_weekly_counts_match_a_worked_example(bins):
    """Twelve weeks to Wednesday 25 November 2026, by the Monday they start; calls on the edges
    of a week (Monday 00:00, Sunday 23:59) count in that week, calls before the first Monday
    count nowhere."""
    agent_1 = bins["agents"]["1"]
    free_calls = iter(bins["calls"][agent_1][10:])
    moments = [
        datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc),  # Monday of this week
        datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc),  # today
        datetime(2026, 11, 22, 23, 59, tzinfo=timezone.utc),  # Sunday: the week before
        datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc),
        datetime(2026, 11, 11, 12, 0, tzinfo=timezone.utc),
        datetime(2026, 9, 7, 8, 0, tzinfo=timezone.utc),  # the first of the twelve Mondays
        datetime(2026, 9, 6, 23, 0, tzinfo=timezone.utc),  # before it: not counted
    ]
    items = {}
    for moment in moments:
        call_id = next(free_calls)
        await Call.update({Call.offered_at: moment}).where(Call.id == call_id)
        items[call_id] = transcript(("caller", 1.0, "a pothole on mill lane"))
    await add_transcripts(items)
    weeks = await search.weekly_counts(
        search.parse("pothole"), search.Filters(agent=agent_1), None, today=date(2026, 11, 25)
    )
    assert [(w.monday.isoformat(), w.calls) for w in weeks if w.calls] == [
        ("2026-09-07", 1),
        ("2026-11-09", 2),
        ("2026-11-16", 1),
        ("2026-11-23", 2),
    ]
    assert len(weeks) == 12 and weeks[0].monday == date(2026, 9, 7) and sum(w.calls for w in weeks) == 6
    assert weeks[-1].partial and not weeks[-2].partial and weeks[-1].label == "23 Nov (so far)"
    other_agent = await search.weekly_counts(
        search.parse("pothole"), search.Filters(), [bins["agents"]["2"]], today=date(2026, 11, 25)
    )
    assert sum(w.calls for w in other_agent) == 0


# --- The pages -----------------------------------------------------------------------------


ROLE_ROUTES = [
    ("GET", "/search", "every role"),
    ("POST", "/search/saved", "every role"),
    ("GET", "/search/saved", "every role"),
    ("POST", "/search/saved/{id}/delete", "the owner only"),
]


def test_every_search_route_is_listed():
    assert routes_of(HANDLERS) == routes_listed(ROLE_ROUTES)


def calls_in(page: str) -> set[str]:
    return set(re.findall(r'<a href="/calls/\d+\?t=[\d.]+">Call (\w+) at', page))


async def test_an_agent_searches_only_their_own_calls(client, bins):
    named, external, agents = bins["named"], bins["external"], bins["agents"]
    await login(client, "agent@test.org")
    page = await client.get("/search", params={"q": PHRASE}, headers=HTML)
    assert page.status_code == 200
    assert calls_in(page.text) == {external[named["own_caller"]], external[named["own_agent"]]}
    assert "<mark>bin was not emptied</mark>" in page.text
    assert f'href="/calls/{named["own_caller"]}?t=5.2"' in page.text
    assert '<select name="agent"' not in page.text  # no agent to choose
    for other in ({"agent": agents["2"]}, {"agent": agents["3"]}, {"team": bins["teams"]["south"]}):
        sneaky = await client.get("/search", params={"q": PHRASE, **other}, headers=HTML)
        assert sneaky.status_code == 200 and calls_in(sneaky.text) == set()
        assert "0 calls of yours match" in sneaky.text


async def test_a_team_leader_searches_their_team_s_calls(client, bins):
    named, external = bins["named"], bins["external"]
    await login(client, "team_leader@test.org")
    page = await client.get("/search", params={"q": PHRASE}, headers=HTML)
    assert calls_in(page.text) == {external[named[k]] for k in ("own_caller", "own_agent", "north_other")}
    south = await client.get("/search", params={"q": PHRASE, "agent": bins["agents"]["3"]}, headers=HTML)
    assert calls_in(south.text) == set()
    assert "Agent 3" not in south.text  # not even offered as a filter
    await client.post("/logout", data={"_csrf_token": csrf_from(page.text)}, headers=HTML)
    await login(client, "other_leader@test.org")
    other = await client.get("/search", params={"q": PHRASE}, headers=HTML)
    assert calls_in(other.text) == {external[named["south"]]}


async def test_hostile_input_on_the_page_gives_a_message_or_results(client, bins):
    await login(client, "qa@test.org")
    for typed in HOSTILE:
        page = await client.get("/search", params={"q": typed, "speaker": "caller"}, headers=HTML)
        assert page.status_code in (200, 400), typed
        if page.status_code == 400:
            assert "Type a word or a phrase" in page.text
            assert 'role="alert"' in page.text and 'aria-invalid="true"' in page.text
    for bad in ({"date_from": "25/11/2026"}, {"agent": "1 OR 1=1"}, {"speaker": "robot"}, {"page": "-3"}):
        page = await client.get("/search", params={"q": "bin", **bad}, headers=HTML)
        assert page.status_code in (200, 400), bad
    kept = await client.get("/search", params={"q": '"bin', "date_from": "someday"}, headers=HTML)
    assert kept.status_code == 400 and "The first day looks like 2026-11-30." in kept.text
    assert 'value="&#34;bin"' in kept.text and 'value="someday"' in kept.text  # what was typed stays
    blank = await client.get("/search", headers=HTML)
    assert blank.status_code == 200 and 'role="alert"' not in blank.text


async def test_saved_searches_keep_their_name_and_show_weekly_counts(client, bins):
    await login(client, "agent@test.org")
    page = await client.get("/search", params={"q": PHRASE, "speaker": "caller"}, headers=HTML)
    token = csrf_from(page.text)
    form = {"q": PHRASE, "speaker": "caller", "_csrf_token": token}
    missing = await client.post("/search/saved", data={**form, "name": "  "}, headers=HTML)
    assert missing.status_code == 400 and "Give the search a name" in missing.text
    assert 'value="&#34;bin was not emptied&#34;"' in missing.text  # the search typed is kept
    saved = await client.post("/search/saved", data={**form, "name": "Missed bins"}, headers=HTML)
    assert saved.status_code in (302, 303) and saved.headers["location"] == "/search/saved"
    again = await client.post("/search/saved", data={**form, "name": "Missed bins"}, headers=HTML)
    assert again.status_code == 400 and "already have a saved search called" in again.text
    assert 'value="Missed bins"' in again.text
    listing = await client.get("/search/saved", headers=HTML)
    assert listing.status_code == 200 and "Missed bins" in listing.text
    assert 'src="data:image/svg+xml;base64,' in listing.text and "said by the caller" in listing.text
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td></tr>', listing.text)
    assert len(rows) == 12 and rows[-1][0].endswith("(so far)") and sum(int(n) for _, n in rows) == 1
    row = await SavedSearch.select().where(SavedSearch.name == "Missed bins").first()
    assert row["query"] == PHRASE

    await client.post("/logout", data={"_csrf_token": token}, headers=HTML)
    await login(client, "agent_b@test.org")
    token_b = csrf_from((await client.get("/search/saved", headers=HTML)).text)
    assert "Missed bins" not in (await client.get("/search/saved", headers=HTML)).text
    refused = await client.post(f"/search/saved/{row['id']}/delete", data={"_csrf_token": token_b}, headers=HTML)
    assert refused.status_code == 404 and await SavedSearch.exists().where(SavedSearch.id == row["id"])


# --- The command -----------------------------------------------------------------------------


async def test_qa_search_json(bins, database):
    named, external = bins["named"], bins["external"]
    result = run_qa("search", PHRASE, "--agent", "1", "--speaker", "caller", "--json", database=database)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {
        "hits": [
            {
                "call": external[named["own_caller"]],
                "agent": "1",
                "start": 5.2,
                "speaker": "caller",
                "snippet": "hello my green bin was not emptied this morning",
            }
        ],
        "total": 1,
    }
    await TranscriptIndex.delete(force=True)  # lost, say: --reindex builds it again
    assert await engine_documents() == 0
    plain = run_qa("search", "bin", "--reindex", "--to", "2000-01-01", database=database)
    assert plain.returncode == 0 and plain.stdout == "", plain.stderr
    assert "5 finished transcripts indexed" in plain.stderr and "0 calls match bin" in plain.stderr
    assert await TranscriptIndex.count() == 5
    unknown = run_qa("search", "bin", "--agent", "nobody", database=database)
    assert unknown.returncode != 0 and "no agent has the staff number 'nobody'" in unknown.stderr


def test_qa_search_says_what_is_wrong_before_it_searches():
    runner = CliRunner()
    for args, reason in (
        (["***"], "Type a word or a phrase"),
        (["bin", "--from", "yesterday"], "--from takes a day as YYYY-MM-DD"),
        (["bin", "--from", "2026-11-30", "--to", "2026-11-01"], "The first day comes after the last day."),
        ([], "give the words to search for"),
    ):
        result = runner.invoke(search_command, args)
        assert result.exit_code == 2 and reason in result.output, args
