"""Transcript search at scale (issue 16): 250,000 transcripts of realistic length, on SQLite (FTS5)
and on PostgreSQL (tsvector with a GIN index), in one run. Prints, per database, the p95 of ten
typical searches (a word, a phrase, with and without filters, an agent's and a team leader's
scope) and how many milliseconds indexing adds per transcript. Aims: p95 under 300 ms; indexing
under 5 ms per transcript.

    .venv/bin/python benchmarks/search.py [--transcripts 250000] [--runs 5] [--only sqlite|postgresql]
        [--postgres-admin URL] [--keep] [--reuse-sqlite FILE] [--reuse-postgres URL]

The transcripts are made up like a council's calls: 60 agents in 6 teams, 4 queues, a year of
calls, talk time log-normal (median 4 minutes), two speakers taking turns of one to three
sentences, about 1.9 words a second of talk (Vosk's style: lower case, no punctuation). Each
call is about one of 30 topics (bins, council tax, parking, ...; the most common in 11% of calls,
the least in under 1%), with a second topic in some, and the rest of what is said is the
small talk of any call (greetings, addresses, spelling, thanks). The index is written in bulk
with the product's own functions for its contents (`transcription.search.stored_turns`,
`fts5_columns`, `side_documents`); on PostgreSQL the GIN index is built after the load. Indexing is then timed with the product's own
`index_calls` on 1,000 further transcripts stored as JSON with timed words: one call at a time
inside the transaction that stores the transcript (as a worker does; what it adds to storing
it), one call in a transaction of its own, and 500 at a time.

Each search is run once to warm the caches, then `--runs` times; the p95 is over all timed runs
of the ten. The page asks for what the Search page shows: 20 calls, newest first, the total, and
the snippet and moment of each.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.import_calls import machine  # noqa: E402

AGENTS, TEAMS = 60, 6
QUEUES = ("general", "waste", "revenues", "housing")
DAYS = 365
TODAY = date(2026, 11, 30)
CHUNK_CALLS = 5000
INDEX_SAMPLE = 1000
WORDS_PER_SECOND = 1.9
WORD_CS = 38  # centiseconds a word takes
GAP_CS = 60  # between turns

STREETS = "orchard road|mill lane|station road|church street|high street|park avenue|victoria road|the green|queens drive|meadow close|school lane|bridge street|kings road|elm grove|north street".split(
    "|"
)
NAMES = "sam|alex|jordan|priya|daniel|fatima|chris|morgan|olivia|tom|aisha|ben|grace|lewis|nina".split("|")
NUMBERS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty two|forty|fifty one|sixty|seventy five|ninety".split(
    "|"
)
DAYS_SAID = "monday|tuesday|wednesday|thursday|friday|saturday|tomorrow|next week|this afternoon".split("|")

AGENT_SMALL = [
    "good morning city council my name is {name} how can i help you today",
    "good afternoon you are through to the council {name} speaking",
    "can i take the first line of your address please",
    "and what is the postcode there",
    "can you confirm your full name and date of birth for me",
    "thank you for that just bear with me one moment",
    "let me just check that on the system for you",
    "okay i can see that here",
    "i'm sorry to hear that",
    "right okay",
    "yeah of course",
    "is there anything else i can help with today",
    "thank you for calling have a good day",
    "could you spell that for me please",
    "i will put a note on your account",
    "you should receive an email confirmation shortly",
    "i'll just put you on hold for a moment while i check",
    "thank you for holding",
    "is that the best number to reach you on",
    "that has been logged now and you will get a reference number by text",
    "no problem at all",
    "the team will be in touch within {number} working days",
    "i can see the previous call from {day}",
]
CALLER_SMALL = [
    "hello yes hi",
    "yes it's {number} {street}",
    "hi i'm calling about",
    "yeah that's right",
    "okay thank you",
    "no that's everything thanks",
    "it's {name}",
    "sorry could you repeat that",
    "i've been waiting since {day}",
    "i did ring last week about this",
    "that's great thank you so much",
    "yes that's the best number",
    "um i'm not sure to be honest",
    "okay that makes sense",
    "right thanks for your help",
    "can you send me that by email",
    "my neighbour said the same thing",
    "how long will that take",
    "thanks bye",
]
# topic: (weight, caller sentences, agent sentences)
TOPICS = {
    "bins": (
        11,
        [
            "my bin was not emptied this morning",
            "the recycling bin was missed again on {street}",
            "the bin men didn't come down our road",
            "my green bin has been missed twice now",
            "they left the bin lid open and rubbish everywhere",
        ],
        [
            "i'm sorry your bin was missed i will book a return collection",
            "the crew reported the road was blocked by parked cars",
            "please leave the bin out by seven in the morning",
            "i have logged a missed bin for {street}",
        ],
    ),
    "council tax bill": (
        9,
        [
            "my council tax bill has gone up a lot this year",
            "i think my council tax band is wrong",
            "i've had a council tax bill for the wrong address",
            "why has my council tax gone up",
        ],
        [
            "your single person discount ended in april",
            "i can look into your council tax account",
            "the council tax bill is based on the band from the valuation office",
            "you can ask the valuation office to check the band",
        ],
    ),
    "council tax payment": (
        6,
        [
            "i missed my direct debit for council tax",
            "i want to pay this month's council tax",
            "can i spread the council tax payments over twelve months",
        ],
        [
            "i can set up the direct debit again",
            "you can pay by card on our automated payment line",
            "you'll need the account number from the bill",
            "i'll transfer you to the payment line",
        ],
    ),
    "parking permit": (
        6,
        [
            "i need a residents parking permit for my new car",
            "my parking permit has expired",
            "i got a parking fine outside my own house",
            "can i get a visitor parking permit",
        ],
        [
            "the parking permit costs sixty pounds a year",
            "i'll send you a payment link for the permit",
            "you can challenge the parking fine online within fourteen days",
            "visitor permits are sold in books of ten",
        ],
    ),
    "pothole": (
        5,
        [
            "there's a big pothole on {street}",
            "a pothole damaged my tyre on {street}",
            "the pothole outside the school is getting worse",
        ],
        [
            "i've logged the pothole as urgent because it's near the school",
            "an inspector will visit the pothole within two working days",
            "you can claim for the tyre damage on our website",
        ],
    ),
    "council house repair": (
        6,
        [
            "the boiler in my flat has stopped working",
            "we have no hot water and no heating",
            "there's damp and mould in the bedroom",
            "the kitchen tap has been leaking for weeks",
        ],
        [
            "that's an emergency repair an engineer will come today",
            "i've booked a damp and mould inspection",
            "the repairs team will call you to arrange a time",
        ],
    ),
    "bulky waste": (
        4,
        [
            "i'd like to book a collection for an old sofa",
            "can you collect a fridge and a mattress",
            "how much is a bulky waste collection",
        ],
        [
            "a bulky waste collection is thirty five pounds for up to three items",
            "the next free date for bulky waste is {day}",
            "please put the items outside by seven in the morning",
        ],
    ),
    "noise complaint": (
        4,
        [
            "my neighbours play loud music every night",
            "there's a dog barking all day next door",
            "the noise from the pub is keeping us awake",
        ],
        [
            "i'll open a noise case and send you diary sheets",
            "an officer reviews the noise diary after two weeks",
            "the team can install noise recording equipment",
        ],
    ),
    "street light": (
        3,
        [
            "the street light outside my house is flashing",
            "the street light on {street} has been out for a week",
        ],
        [
            "i have reported the street light",
            "the lighting team usually fixes street lights within seven working days",
        ],
    ),
    "housing benefit": (
        4,
        [
            "i want to claim housing benefit",
            "my housing benefit has stopped",
            "i've lost hours at work and can't pay the rent",
        ],
        [
            "you can apply for housing benefit online",
            "i'll ask the money advice team to call you",
            "we can set up an affordable plan to clear the rent arrears",
        ],
    ),
    "birth registration": (
        2,
        [
            "we need to register the birth of our baby",
            "i need an appointment to register a birth",
        ],
        [
            "i can book an appointment at the register office",
            "please bring the red book from the hospital",
        ],
    ),
    "death registration": (
        2,
        [
            "my father passed away and i need to register the death",
            "i need a death certificate",
        ],
        [
            "i'm very sorry for your loss",
            "the tell us once service lets you inform other departments",
        ],
    ),
    "fly tipping": (
        3,
        [
            "someone has dumped rubbish in the alley behind {street}",
            "there's fly tipping at the end of our road",
        ],
        [
            "i'll report the fly tipping to the enforcement team",
            "the fly tipping will be cleared within three working days",
        ],
    ),
    "school admissions": (
        3,
        [
            "i want to apply for a school place for my son",
            "we didn't get our first choice school",
        ],
        [
            "the school admissions deadline is the fifteenth of january",
            "you can appeal the school place decision",
        ],
    ),
    "planning application": (
        2,
        [
            "my neighbour is building an extension without planning permission",
            "how do i comment on a planning application",
        ],
        [
            "you can comment on the planning application on our website",
            "the planning enforcement team will look into it",
        ],
    ),
    "garden waste": (
        3,
        [
            "i want to sign up for garden waste collection",
            "my garden waste subscription has run out",
        ],
        [
            "garden waste collection costs fifty pounds a year",
            "your brown bin will be delivered within ten working days",
        ],
    ),
    "new bin": (
        3,
        [
            "my wheelie bin has been stolen",
            "the bin is cracked and the wheel has come off",
        ],
        [
            "a replacement bin is delivered free of charge",
            "delivery of the new bin is within ten working days",
        ],
    ),
    "blue badge": (
        2,
        [
            "i want to apply for a blue badge",
            "my blue badge is about to expire",
        ],
        [
            "you can renew the blue badge online",
            "the blue badge costs ten pounds",
        ],
    ),
    "library": (
        1,
        [
            "i can't log in to the library app",
            "when does the library open on sundays",
        ],
        [
            "the library is open from ten until four on sundays",
            "i can reset your library pin",
        ],
    ),
    "pest control": (
        2,
        [
            "we've got rats in the garden",
            "there's a wasps nest under the roof",
        ],
        [
            "pest control can visit on {day}",
            "a pest control treatment for rats is free for council tenants",
        ],
    ),
    "graffiti": (
        1,
        [
            "someone has sprayed graffiti on the bus shelter",
        ],
        [
            "offensive graffiti is removed within twenty four hours",
        ],
    ),
    "trees": (
        2,
        [
            "a tree has fallen across the footpath",
            "the council tree is blocking my light",
        ],
        [
            "the tree team will make it safe today",
            "we only prune council trees for safety reasons",
        ],
    ),
    "flooding": (
        2,
        [
            "the drain is blocked and the road is flooding",
            "water is coming into the house from the road",
        ],
        [
            "i can arrange sandbags for you",
            "the highways team will clear the blocked drain",
        ],
    ),
    "homelessness": (
        2,
        [
            "i'm being evicted next week and have nowhere to go",
            "my landlord has given me a section twenty one notice",
        ],
        [
            "i'll put you through to the housing options team today",
            "we have a duty to help you if you are threatened with homelessness",
        ],
    ),
    "adult social care": (
        2,
        [
            "my mum needs help at home after hospital",
            "i want to ask for a care assessment",
        ],
        [
            "i'll refer your mum for a care needs assessment",
            "a social worker will call within five working days",
        ],
    ),
    "business rates": (
        1,
        [
            "i have a question about business rates for my shop",
        ],
        [
            "you may qualify for small business rates relief",
        ],
    ),
    "refund": (
        2,
        [
            "i paid twice and want a refund",
            "when will i get my refund",
        ],
        [
            "the refund will reach your bank within ten working days",
            "i've asked the finance team to process the refund",
        ],
    ),
    "electoral register": (
        1,
        [
            "i want to register to vote",
        ],
        [
            "you can register to vote online in five minutes",
        ],
    ),
    "dog fouling": (
        1,
        [
            "there's dog mess all over the playing field",
        ],
        [
            "i'll ask the dog warden to patrol the playing field",
        ],
    ),
    "abandoned vehicle": (
        1,
        [
            "a car has been abandoned on {street} for weeks",
        ],
        [
            "an officer will check the abandoned vehicle within five working days",
        ],
    ),
}

# The ten typical searches: (what, text, filters, scope), filters as keyword arguments.
SEARCHES = [
    ("a word", "pothole", {}, None),
    ("a word (common topic)", "bin", {}, None),
    ("a phrase", '"council tax bill"', {}, None),
    ("a phrase, agent filter", '"direct debit"', {"agent": "agent"}, None),
    ("a word, last 30 days", "noise", {"days": 30}, None),
    ("a phrase said by the caller, queue filter", '"parking permit"', {"speaker": "caller", "queue": "general"}, None),
    ("a prefix, team filter, last 90 days", "flood*", {"team": True, "days": 90}, None),
    ("two words, service filter", "damp mould", {"service": "council house repair"}, None),
    ("an agent's scope: a word", "refund", {}, "agent"),
    ("a team leader's scope: a phrase", '"bin was missed"', {}, "team"),
]
WORST = ("(not typical) a phrase in nearly every call", '"thank you"', {}, None)


def expand(template: str, rng: random.Random) -> str:
    return template.format(
        name=rng.choice(NAMES), street=rng.choice(STREETS), number=rng.choice(NUMBERS), day=rng.choice(DAYS_SAID)
    )


@dataclass
class Pools:
    """Pre-split sentences (lists of words) for each speaker: small talk, and each topic."""

    agent_small: list[list[str]]
    caller_small: list[list[str]]
    topics: list[tuple[str, list[list[str]], list[list[str]]]]
    weights: list[int]


def pools(rng: random.Random) -> Pools:
    from transcription.search import words

    def variants(templates: list[str], n: int = 12) -> list[list[str]]:
        return [words(expand(t, rng)) for t in templates for _ in range(n if "{" in t else 1)]

    return Pools(
        agent_small=variants(AGENT_SMALL),
        caller_small=variants(CALLER_SMALL),
        topics=[(name, variants(caller), variants(agent)) for name, (_w, caller, agent) in TOPICS.items()],
        weights=[w for w, _c, _a in TOPICS.values()],
    )


def make_call(rng: random.Random, p: Pools) -> tuple[int, list[tuple[str, int, list[str]]]]:
    """(topic index, [(speaker, start in centiseconds, words)]) for one call."""
    talk = min(1800.0, max(30.0, rng.lognormvariate(5.48, 0.6)))  # median about 240 s
    target = int(talk * WORDS_PER_SECOND)
    topic = rng.choices(range(len(p.topics)), weights=p.weights)[0]
    second = rng.choices(range(len(p.topics)), weights=p.weights)[0] if rng.random() < 0.2 else topic
    turns, said, at, speaker = [], 0, 50, "agent"
    while said < target:
        tokens: list[str] = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            roll = rng.random()
            _name, caller, agent = p.topics[second if roll < 0.08 else topic]
            if roll < 0.4:
                tokens += rng.choice(agent if speaker == "agent" else caller)
            else:
                tokens += rng.choice(p.agent_small if speaker == "agent" else p.caller_small)
        turns.append((speaker, at, tokens))
        said += len(tokens)
        at += len(tokens) * WORD_CS + GAP_CS
        speaker = "caller" if speaker == "agent" else "agent"
    return topic, turns


def transcript_json(turns: list[tuple[str, int, list[str]]]) -> dict:
    built = []
    for speaker, at, tokens in turns:
        spoken = [
            {"word": w, "start": (at + i * WORD_CS) / 100, "end": (at + i * WORD_CS + 30) / 100, "conf": 0.9}
            for i, w in enumerate(tokens)
        ]
        built.append(
            {"speaker": speaker, "start": at / 100, "end": spoken[-1]["end"], "text": " ".join(tokens), "words": spoken}
        )
    duration = (turns[-1][1] + len(turns[-1][2]) * WORD_CS) / 100
    return {"text": " ".join(t["text"] for t in built), "duration": duration, "turns": built}


# --- Loading ---------------------------------------------------------------------------------


async def seed_organisation(rng: random.Random) -> dict:
    from qa_app.tables import Agent, Service, Team

    teams = []
    for t in range(TEAMS):
        teams.append((await Team.insert(Team(name=f"Team {t + 1}")).returning(Team.id))[0]["id"])
    await Agent.insert(
        *[Agent(staff_number=str(1000 + i), name=f"Agent {i}", team=teams[i % TEAMS]) for i in range(AGENTS)]
    )
    await Service.insert(*[Service(name=name) for name in TOPICS])
    agents = [r["id"] for r in await Agent.select(Agent.id).order_by(Agent.id)]
    services = {r["name"]: r["id"] for r in await Service.select(Service.id, Service.name)}
    return {"teams": teams, "agents": agents, "services": services}


def call_rows(start_index: int, count: int, rng: random.Random, org: dict, topics: list[int]) -> list[tuple]:
    """Calls in time order over the year before TODAY."""
    rows = []
    first = datetime.combine(TODAY - timedelta(days=DAYS), datetime.min.time(), tzinfo=timezone.utc)
    span = DAYS * 86400
    for k in range(count):
        n = start_index + k
        offered = first + timedelta(seconds=int(span * (n + rng.random()) / TOTAL[0]))
        topic_name = list(TOPICS)[topics[k]]
        queue = (
            "waste"
            if "bin" in topic_name or "waste" in topic_name
            else "revenues"
            if topic_name in ("council tax bill", "council tax payment", "business rates", "refund")
            else "housing"
            if topic_name in ("council house repair", "housing benefit", "homelessness")
            else "general"
        )
        rows.append(
            (
                f"c{n}",
                queue,
                org["agents"][rng.randrange(AGENTS)],
                org["services"][topic_name],
                offered,
                offered + timedelta(seconds=20),
                20,
                240,
                "answered",
                "",
                False,
                "",
            )
        )
    return rows


TOTAL = [0]
CALL_HEAD = (
    'INSERT INTO "call" ("external_id", "queue", "agent", "service", "offered_at", "answered_at", "wait_seconds", '
    '"talk_seconds", "disposition", "source", "transferred", "fingerprint")'
)


async def load(total: int, seed: int, kind: str, pg_url: str | None, sqlite_path: Path | None) -> dict:
    """The organisation, `total` calls and their index rows; returns the organisation's ids."""
    from qa_app import db
    from qa_app.tables import Call
    from transcription.search import IndexTurn, fts5_columns, side_documents, stored_turns

    rng = random.Random(seed)
    p = pools(random.Random(seed + 1))
    org = await seed_organisation(rng)
    TOTAL[0] = total
    started = time.perf_counter()
    words_total = turns_total = 0
    if kind == "postgresql":
        import asyncpg

        connection = await asyncpg.connect(pg_url)
        await connection.execute('DROP INDEX IF EXISTS "transcript_terms_terms"')
    else:
        connection = sqlite3.connect(sqlite_path, timeout=60)
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA cache_size = -262144")
    for first in range(0, total, CHUNK_CALLS):
        count = min(CHUNK_CALLS, total - first)
        made = [make_call(rng, p) for _ in range(count)]
        rows = call_rows(first, count, rng, org, [topic for topic, _turns in made])
        async with db.write_transaction() as tx:
            await db.insert_many(tx, CALL_HEAD, "", rows)
        ids = {
            r["external_id"]: r["id"]
            for r in await Call.select(Call.id, Call.external_id).where(
                Call.external_id.is_in([row[0] for row in rows])
            )
        }
        documents = []
        for row, (_topic, turns) in zip(rows, made, strict=True):
            built = [
                IndexTurn(speaker, tuple(tokens), tuple(range(at, at + WORD_CS * len(tokens), WORD_CS)))
                for speaker, at, tokens in turns
            ]
            documents.append((ids[row[0]], built))
            turns_total += len(built)
            words_total += sum(len(t.tokens) for t in built)
        if kind == "postgresql":
            index, terms = io.StringIO(), io.StringIO()
            for call_id, built in documents:
                index.write(f"{call_id}\t{stored_turns(built)}\n")
                for side, literal in side_documents(built):
                    terms.write(f"{call_id}\t{side}\t{literal}\n")
            for table, buffer, columns in (
                ("transcript_index", index, ["call", "turns"]),
                ("transcript_terms", terms, ["call", "side", "terms"]),
            ):
                await connection.copy_to_table(
                    table, source=io.BytesIO(buffer.getvalue().encode()), columns=columns, format="text"
                )
        else:
            connection.executemany(
                'INSERT INTO "transcript_index" ("call", "turns") VALUES (?, ?)',
                ((call_id, stored_turns(built)) for call_id, built in documents),
            )
            connection.executemany(
                'INSERT INTO "transcript_fts" (rowid, "agent", "caller", "other") VALUES (?, ?, ?, ?)',
                ((call_id, *fts5_columns(built)) for call_id, built in documents),
            )
            connection.commit()
        done = first + count
        if done % 50000 == 0 or done == total:
            print(f"  {kind}: {done:,} calls loaded, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if kind == "postgresql":
        began = time.perf_counter()
        await connection.execute("SET maintenance_work_mem = '512MB'")
        await connection.execute('CREATE INDEX "transcript_terms_terms" ON "transcript_terms" USING gin ("terms")')
        print(f"  postgresql: GIN index built in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        await connection.execute("VACUUM ANALYZE")
        await connection.close()
    else:
        connection.execute("INSERT INTO transcript_fts(transcript_fts) VALUES ('optimize')")
        connection.execute("ANALYZE")
        connection.commit()
        connection.close()
    org["load_seconds"] = time.perf_counter() - started
    org["turns"], org["words"] = turns_total, words_total
    return org


async def organisation() -> dict:
    from qa_app.tables import Agent, Service, Team

    return {
        "teams": [r["id"] for r in await Team.select(Team.id).order_by(Team.id)],
        "agents": [r["id"] for r in await Agent.select(Agent.id).order_by(Agent.id)],
        "services": {r["name"]: r["id"] for r in await Service.select(Service.id, Service.name)},
    }


# --- Measuring -------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


async def timed_search(text: str, filters, scope: list[int] | None) -> tuple[float, int]:
    """Milliseconds for one search as the Search page makes it, and the calls it found."""
    from transcription import search

    began = time.perf_counter()
    results = await search.search(search.parse(text), filters, scope)
    return 1000 * (time.perf_counter() - began), results.total


async def time_searches(org: dict, runs: int) -> tuple[list[float], list[str]]:
    from qa_app.tables import Agent
    from transcription import search

    team = org["teams"][0]
    team_agents = [r["id"] for r in await Agent.select(Agent.id).where(Agent.team == team)]
    agent = org["agents"][7]
    timings: list[float] = []
    lines = []
    for what, text, options, scope_kind in [*SEARCHES, WORST]:
        filters = search.Filters(
            agent=agent if options.get("agent") else None,
            team=team if options.get("team") else None,
            queue=options.get("queue"),
            service=org["services"][options["service"]] if options.get("service") else None,
            speaker=options.get("speaker"),
            date_from=TODAY - timedelta(days=options["days"]) if options.get("days") else None,
        )
        scope = [agent] if scope_kind == "agent" else team_agents if scope_kind == "team" else None

        cold, total = await timed_search(text, filters, scope)
        mine = [(await timed_search(text, filters, scope))[0] for _ in range(runs)]
        if (what, text, options, scope_kind) != WORST:
            timings.extend(mine)
        lines.append(
            f"    {what:<45} {text:<22} {total:>7,} calls  first {cold:7.1f} ms  median {statistics.median(mine):7.1f} ms"
            f"  max {max(mine):7.1f} ms"
        )
    return timings, lines


async def time_indexing(org: dict, seed: int) -> tuple[float, float, float]:
    """ms per transcript: what indexing adds to storing one finished transcript (mean), one
    call indexed in a transaction of its own (mean), and 500 at a time (mean)."""
    from qa_app import db
    from qa_app.tables import Call
    from transcription import search
    from transcription.tables import Transcription

    rng = random.Random(seed + 2)
    p = pools(random.Random(seed + 1))
    made = [make_call(rng, p) for _ in range(2 * INDEX_SAMPLE)]
    rows = call_rows(0, len(made), rng, org, [t for t, _ in made])
    tag = f"x{uuid.uuid4().hex[:6]}-"  # the calls of this run (a database may be searched again)
    rows = [(tag + row[0], *row[1:]) for row in rows]
    async with db.write_transaction() as tx:
        await db.insert_many(tx, CALL_HEAD, "", rows)
    ids = {
        r["external_id"]: r["id"]
        for r in await Call.select(Call.id, Call.external_id).where(Call.external_id.like(tag + "%"))
    }
    call_ids = [ids[row[0]] for row in rows]
    for first in range(0, len(made), 200):
        await Transcription.insert(
            *[
                Transcription(call=call_ids[first + k], status="done", transcript=transcript_json(turns), model="bench")
                for k, (_t, turns) in enumerate(made[first : first + 200])
            ]
        )
    # One at a time, as a worker stores a finished transcript (transcription.batch.save): its row
    # is updated and the call indexed in one transaction. Each call is stored twice, without and
    # with indexing, and what indexing adds is the difference of the two means.
    bare, indexed, alone = [], [], []
    for call_id in call_ids[:INDEX_SAMPLE]:
        store = Transcription.update({Transcription.model: "bench"}).where(Transcription.call == call_id)
        began = time.perf_counter()
        async with db.write_transaction():
            await store
        bare.append(1000 * (time.perf_counter() - began))
        began = time.perf_counter()
        async with db.write_transaction():
            await Transcription.update({Transcription.model: "bench2"}).where(Transcription.call == call_id)
            await search.index_calls([call_id])
        indexed.append(1000 * (time.perf_counter() - began))
    for call_id in call_ids[INDEX_SAMPLE : INDEX_SAMPLE + 200]:  # the index's own transaction, for comparison
        began = time.perf_counter()
        await search.index_calls([call_id])
        alone.append(1000 * (time.perf_counter() - began))
    began = time.perf_counter()
    await search.index_calls(call_ids[INDEX_SAMPLE:])
    batch = 1000 * (time.perf_counter() - began) / INDEX_SAMPLE
    return statistics.mean(indexed) - statistics.mean(bare), statistics.mean(alone), batch


async def index_size(kind: str, url: str) -> str:
    """The disk the search index takes."""
    from qa_app import db
    from transcription.tables import TranscriptIndex

    if kind == "sqlite":
        rows = await TranscriptIndex.raw(
            "SELECT SUM(pgsize) AS n FROM dbstat WHERE name LIKE 'transcript_fts%' OR name LIKE 'transcript_index%'"
        )
        whole = db.sqlite_path(url).stat().st_size
        return f"index {rows[0]['n'] / 2**20:,.0f} MiB of a {whole / 2**20:,.0f} MiB file"
    rows = await TranscriptIndex.raw(
        "SELECT pg_total_relation_size('transcript_index') AS a, pg_total_relation_size('transcript_terms') AS b, "
        "pg_relation_size('transcript_terms_terms') AS g"
    )
    a, b, g = (rows[0][k] / 2**20 for k in ("a", "b", "g"))
    return f"index {a + b:,.0f} MiB (turns {a:,.0f} MiB, documents {b:,.0f} MiB of which GIN {g:,.0f} MiB)"


async def run_one(kind: str, url: str, args: argparse.Namespace, reuse: bool) -> list[str]:
    from qa_app import db

    db.use_database(url)
    await db.migrate()
    await db.start_pool()
    try:
        if reuse:
            org = await organisation()
            TOTAL[0] = args.transcripts
            loaded = "reused"
        else:
            org = await load(
                args.transcripts,
                args.seed,
                kind,
                url if kind == "postgresql" else None,
                db.sqlite_path(url) if kind == "sqlite" else None,
            )
            loaded = (
                f"loaded in {org['load_seconds']:.0f} s: {org['turns']:,} turns, {org['words']:,} words "
                f"({org['words'] / args.transcripts:.0f} words and {org['turns'] / args.transcripts:.1f} turns a call)"
            )
        timings, lines = await time_searches(org, args.runs)
        added, alone, batch = await time_indexing(org, args.seed)
        size = await index_size(kind, url)
    finally:
        await db.close_pool()
    return [
        f"{kind}: {args.transcripts:,} transcripts {loaded}; {size}",
        *lines,
        f"  p95 of the ten typical searches ({len(timings)} timed runs): {p95(timings):.1f} ms",
        f"  indexing: adds {added:.2f} ms to storing a finished transcript (in its transaction); "
        f"{alone:.2f} ms in a transaction of its own; {batch:.2f} ms per transcript 500 at a time",
    ]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument(
        "--postgres-admin",
        default=os.environ.get("QA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server where a scratch database is made (and dropped unless --keep)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--reuse-sqlite", default=None, help="a SQLite file kept by --keep: search it again")
    parser.add_argument("--reuse-postgres", default=None, help="a database URL kept by --keep: search it again")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qa-bench-search-"))
    os.environ["QA_DATA_DIR"] = str(folder)
    os.environ["QA_TIMEZONE"] = "UTC"
    print(f"machine: {machine()}", file=sys.stderr)
    report = [f"machine: {machine()}"]
    if args.only in (None, "sqlite"):
        path = Path(args.reuse_sqlite) if args.reuse_sqlite else folder / "search.sqlite3"
        url = f"sqlite:///{path}"
        os.environ["QA_DATABASE_URL"] = url
        report += await run_one("sqlite", url, args, reuse=bool(args.reuse_sqlite))
        if args.keep:
            report.append(f"  kept: --reuse-sqlite {path}")
    if args.only in (None, "postgresql"):
        import asyncpg

        admin = None
        url = args.reuse_postgres
        if url is None:
            name = f"qa_bench_search_{uuid.uuid4().hex[:8]}"
            admin = await asyncpg.connect(args.postgres_admin)
            await admin.execute(f'CREATE DATABASE "{name}"')
            url = args.postgres_admin.rsplit("/", 1)[0] + "/" + name
        os.environ["QA_DATABASE_URL"] = url
        try:
            settings = await asyncpg.connect(url)
            shown = [
                f"{k} {await settings.fetchval(f'SHOW {k}')}" for k in ("shared_buffers", "work_mem", "server_version")
            ]
            await settings.close()
            report += await run_one("postgresql", url, args, reuse=bool(args.reuse_postgres))
            report.append(f"  ({', '.join(shown)})")
            if args.keep and admin is not None:
                report.append(f"  kept: --reuse-postgres {url}")
        finally:
            if admin is not None:
                if not args.keep:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
    print("\n".join(report))


if __name__ == "__main__":
    asyncio.run(main())
