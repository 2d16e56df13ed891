"""Flags of calls in the database: work them out (scorecards/flags.py) from each call's data,
transcript and talk metrics, automatic answers, survey answers, repeat contacts and its
service's usual talk time, and store them in `CallFlag`.

Storing is idempotent: a run compares what it found with what is stored and only inserts the
new flags, updates a changed sentence and deletes what no longer applies, so running it again
changes nothing (and a flag keeps the moment it was first raised). Calls are read by id in
batches of `BATCH`, each batch with one query per source, so a month of 150,000 calls keeps
memory flat.

`flag_calls` runs after an import, a transcript or an automatic check (the package's
`after_calls`, after scorecards.autochecks); `flag_month` recomputes a month, as
`qa sample --targeted` does before it picks. A service's usual talk time is the median of its
answered calls that month, so calls imported later can move it: `flag_month` brings every
call of the month up to date.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from saq import CronJob

from cases import case_rules
from cases.tables import Case, CaseLink
from kit.timeutil import current_month, month_range, parse_month, stored_time
from qa_app import db
from qa_app.settings import get_settings
from qa_app.tables import Call, Service
from scorecards import config, versions
from scorecards.flags import KINDS, FlagRules, Repeat, Usual, call_flags
from scorecards.tables import AutoCheck, CallFlag
from surveys.tables import SurveyResponse
from transcription.tables import Transcription

BATCH = 1000
CALL = '"call"'  # quoted: "call" is a reserved word in SQL
CALL_ID = 'c."id"'
CALL_COLUMNS = (
    'c."id", c."agent", c."service", c."offered_at", c."talk_seconds", c."transferred", c."disposition", '
    'c."caller_hash"'
)
# Flags are for answered calls with an agent; any other call keeps none.
ANSWERED = """c."disposition" <> 'abandoned' AND c."agent" IS NOT NULL"""
NO_SERVICE = "calls without a service"


@dataclass
class FlagRun:
    """What a run found."""

    month: str
    calls: int = 0  # answered calls looked at
    flagged: int = 0  # of them, calls with a flag
    kinds: Counter = field(default_factory=Counter)  # flags by kind
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "calls": self.calls,
            "flagged": self.flagged,
            "kinds": {kind: self.kinds[kind] for kind in KINDS if self.kinds[kind]},
            "inserted": self.inserted,
            "updated": self.updated,
            "deleted": self.deleted,
        }


def _month_of(offered_at: Any) -> str:
    return stored_time(offered_at).astimezone(get_settings().timezone).strftime("%Y-%m")


async def rules() -> FlagRules:
    settings = await config.load()
    return FlagRules.from_settings(settings["flags"], settings["automatic"]["min_confidence"])


class _Context:
    """What a run reads once: the rules, service names, template titles, usual talk times."""

    def __init__(self, chosen: FlagRules, services: dict[int, str]):
        self.rules = chosen
        self.services = services
        self.titles: dict[int, dict[str, tuple[int, str]]] = {}  # template -> code -> (position, title)
        self.usual: dict[str, dict[int | None, Usual]] = {}  # month -> service -> its usual

    @classmethod
    async def load(cls) -> _Context:
        services = {r["id"]: r["name"] for r in await Service.select(Service.id, Service.name)}
        return cls(await rules(), services)

    async def titles_of(self, template_ids: Iterable[int]) -> None:
        for template_id in set(template_ids) - set(self.titles):
            row = await versions.get(template_id)
            criteria = versions.definition_of(row).criteria() if row else []
            self.titles[template_id] = {c.code: (i, c.title) for i, c in enumerate(criteria)}

    async def usual_for(self, month: str, services: set[int | None]) -> dict[int | None, Usual]:
        """The usual talk time of these services in `month` (read once per month and service)."""
        known = self.usual.setdefault(month, {})
        missing = {s for s in services if s not in known}
        if missing:
            known.update(await _usual_lengths(month, missing, self.services))
            for service in missing:
                known.setdefault(service, Usual(0.0, 0, self._name(service)))
        return known

    def _name(self, service: int | None) -> str:
        return self.services.get(service, NO_SERVICE) if service is not None else NO_SERVICE


async def _usual_lengths(
    month: str, services: set[int | None] | None, names: dict[int, str]
) -> dict[int | None, Usual]:
    """The median talk time of each service's answered calls in the month (None: every service)."""
    start, end = month_range(parse_month(month), get_settings().timezone)
    where = f'c."offered_at" >= {{}} AND c."offered_at" < {{}} AND {ANSWERED}'
    if services is not None:
        ids = [s for s in services if s is not None]
        parts = [db.sql_in('c."service"', ids)] if ids else []
        if None in services:
            parts.append('c."service" IS NULL')
        where += f" AND ({' OR '.join(parts)})"
    rows = await Call.raw(f'SELECT c."service", c."talk_seconds" FROM "call" c WHERE {where}', start, end)
    lengths: dict[int | None, list[int]] = defaultdict(list)
    for row in rows:
        lengths[row["service"]].append(row["talk_seconds"] or 0)
    return {
        service: Usual(
            float(statistics.median(values)),
            len(values),
            names.get(service, NO_SERVICE) if service is not None else NO_SERVICE,
        )
        for service, values in lengths.items()
    }


# --- the sources of one batch --------------------------------------------------------------------


async def _transcripts(call_ids: list[int]) -> dict[int, tuple[Any, Any]]:
    rows = await Transcription.raw(
        f'SELECT "call", "transcript", "metrics" FROM "transcription" WHERE "status" = \'done\' AND '
        f"{db.sql_in(CALL, call_ids)}"
    )
    return {r["call"]: (db.json_value(r["transcript"]), db.json_value(r["metrics"])) for r in rows}


async def _failed_checks(call_ids: list[int], context: _Context) -> dict[int, list[dict[str, Any]]]:
    rows = await AutoCheck.raw(
        f'SELECT "call", "template", "criterion", "value", "evidence" FROM "auto_check" '
        f'WHERE "value" < 1 AND {db.sql_in(CALL, call_ids)}'
    )
    await context.titles_of(r["template"] for r in rows)
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        position, title = context.titles[row["template"]].get(row["criterion"], (999, row["criterion"]))
        evidence = db.json_value(row["evidence"]) or {}
        found[row["call"]].append(
            {
                "criterion": row["criterion"],
                "title": title,
                "value": row["value"],
                "summary": evidence.get("summary", ""),
                "position": position,
            }
        )
    for checks in found.values():
        checks.sort(key=lambda c: (c["position"], c["criterion"]))
    return found


async def _satisfaction(call_ids: list[int]) -> dict[int, int]:
    rows = await SurveyResponse.raw(
        f'SELECT "call", MIN("satisfaction") AS low FROM "survey_response" '
        f'WHERE "satisfaction" IS NOT NULL AND {db.sql_in(CALL, call_ids)} GROUP BY "call"'
    )
    return {r["call"]: int(r["low"]) for r in rows}


async def _repeats(calls: list[dict[str, Any]], context: _Context) -> dict[int, Repeat]:
    """The earlier contact each call repeats: by the case register's rule (the same caller
    about the same service within `repeat_days`, `case_rules.repeat_of`) over calls, else the
    register's own repeat of the call's case when it is that recent."""
    days = context.rules.repeat_days
    found: dict[int, Repeat] = {}
    hashes = sorted({c["caller_hash"] for c in calls if c["caller_hash"]})
    if hashes:
        earliest = min(stored_time(c["offered_at"]) for c in calls) - timedelta(days=days)
        latest = max(stored_time(c["offered_at"]) for c in calls)
        groups: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            rows = await Call.raw(
                'SELECT c."id", c."caller_hash", c."service", c."offered_at" FROM "call" c '
                f'WHERE c."caller_hash" IN ({", ".join(["{}"] * len(chunk))}) AND c."offered_at" >= {{}} '
                """AND c."offered_at" <= {} AND c."disposition" <> 'abandoned'""",
                *chunk,
                earliest,
                latest,
            )
            for row in rows:
                groups[(row["caller_hash"], row["service"])].append(_contact(row))
        for call in calls:
            if not call["caller_hash"]:
                continue
            contact = _contact(call)
            group = groups.get((call["caller_hash"], call["service"]), [])
            earlier = case_rules.repeat_of(contact, group, days)
            if earlier is not None:
                before = next(c for c in group if c["id"] == earlier)
                gap = contact["created_at"] - before["created_at"]
                service = context.services.get(call["service"]) if call["service"] is not None else None
                found[call["id"]] = Repeat(gap.total_seconds() / 86400, service)
    rest = [c["id"] for c in calls if c["id"] not in found]
    if rest:
        links = await CaseLink.raw(
            'SELECT l."ref", k."repeat_of", k."created_at" FROM "case_link" l JOIN "case" k ON k."id" = l."case" '
            f"""WHERE l."kind" = 'call' AND k."repeat_of" IS NOT NULL AND {db.sql_in('l."ref"', rest)}"""
        )
        earlier = {
            r["id"]: r
            for r in await Case.raw(
                'SELECT "id", "created_at", "tracking_number" FROM "case" WHERE '
                + db.sql_in('"id"', sorted({link["repeat_of"] for link in links}))
            )
        }
        for link in sorted(links, key=lambda r: stored_time(r["created_at"])):
            before = earlier.get(link["repeat_of"])
            if before is None:
                continue
            gap = stored_time(link["created_at"]) - stored_time(before["created_at"])
            if timedelta(0) <= gap <= timedelta(days=days):
                found[link["ref"]] = Repeat(gap.total_seconds() / 86400, earlier_case=before["tracking_number"])
    return found


def _contact(call: dict[str, Any]) -> dict[str, Any]:
    """A call as the case register's repeat rule reads a case. A call without a service is
    compared with the caller's other calls without one ("" stands for no service)."""
    service = call["service"] if call["service"] is not None else ""
    return {
        "id": call["id"],
        "service": service,
        "caller_hash": call["caller_hash"],
        "address": "",
        "created_at": stored_time(call["offered_at"]),
    }


# --- one batch -----------------------------------------------------------------------------------


async def _flag_batch(calls: list[dict[str, Any]], context: _Context, run: FlagRun) -> set[int]:
    """Work out and store the flags of these answered calls; their ids."""
    ids = [c["id"] for c in calls]
    transcripts = await _transcripts(ids)
    checks = await _failed_checks(ids, context)
    satisfaction = await _satisfaction(ids)
    repeats = await _repeats(calls, context)
    by_month: dict[str, set[int | None]] = defaultdict(set)
    for call in calls:
        call["month"] = _month_of(call["offered_at"])
        by_month[call["month"]].add(call["service"])
    usual = {month: await context.usual_for(month, services) for month, services in by_month.items()}
    wanted: dict[tuple[int, str], tuple[str, int, str]] = {}  # (call, kind) -> (detail, agent, month)
    for call in calls:
        transcript, metrics = transcripts.get(call["id"], (None, None))
        flags = call_flags(
            call,
            context.rules,
            transcript=transcript,
            metrics=metrics,
            checks=checks.get(call["id"], ()),
            satisfaction=satisfaction.get(call["id"]),
            repeat=repeats.get(call["id"]),
            usual=usual[call["month"]].get(call["service"]),
        )
        for flag in flags:
            wanted[(call["id"], flag.kind)] = (flag.detail, call["agent"], call["month"])
            run.kinds[flag.kind] += 1
        run.flagged += bool(flags)
    run.calls += len(calls)
    await _store(ids, wanted, run)
    return set(ids)


async def _store(call_ids: list[int], wanted: dict[tuple[int, str], tuple[str, int, str]], run: FlagRun) -> None:
    """Make the stored flags of `call_ids` exactly `wanted`, touching only what differs."""
    async with db.write_transaction():
        stored = await CallFlag.select(
            CallFlag.id, CallFlag.call, CallFlag.kind, CallFlag.detail, CallFlag.agent, CallFlag.month
        ).where(CallFlag.call.is_in(call_ids or [-1]))
        gone = []
        for row in stored:
            key = (row["call"], row["kind"])
            if key not in wanted:
                gone.append(row["id"])
                continue
            detail, agent, month = wanted.pop(key)
            if (row["detail"], row["agent"], row["month"]) != (detail, agent, month):
                await CallFlag.update({CallFlag.detail: detail, CallFlag.agent: agent, CallFlag.month: month}).where(
                    CallFlag.id == row["id"]
                )
                run.updated += 1
        for start in range(0, len(gone), 500):
            await CallFlag.delete().where(CallFlag.id.is_in(gone[start : start + 500]))
        run.deleted += len(gone)
        new = [
            CallFlag(call=call, kind=kind, detail=detail, agent=agent, month=month)
            for (call, kind), (detail, agent, month) in wanted.items()
        ]
        for start in range(0, len(new), 200):
            await CallFlag.insert(*new[start : start + 200]).on_conflict(action="DO NOTHING")
        run.inserted += len(new)


# --- the entry points ----------------------------------------------------------------------------


async def flag_month(first: date) -> FlagRun:
    """Work out and store the flags of every answered call of the month (see the module)."""
    key = first.strftime("%Y-%m")
    start, end = month_range(first, get_settings().timezone)
    context = await _Context.load()
    run = FlagRun(month=key)
    context.usual[key] = await _usual_lengths(key, None, context.services)  # every service at once
    seen: set[int] = set()
    after = 0
    while True:
        calls = await Call.raw(
            f'SELECT {CALL_COLUMNS} FROM "call" c WHERE c."offered_at" >= {{}} AND c."offered_at" < {{}} '
            f'AND {ANSWERED} AND c."id" > {{}} ORDER BY c."id" LIMIT {BATCH}',
            start,
            end,
            after,
        )
        if not calls:
            break
        seen |= await _flag_batch(calls, context, run)
        after = calls[-1]["id"]
    # Flags of calls that are no longer answered calls of this month (a corrected import).
    stale = [r["call"] for r in await CallFlag.raw('SELECT DISTINCT "call" FROM "call_flag" WHERE "month" = {}', key)]
    stale = [c for c in stale if c not in seen]
    async with db.write_transaction():
        for index in range(0, len(stale), 500):
            await CallFlag.delete().where(CallFlag.call.is_in(stale[index : index + 500]))
    if stale:
        run.deleted += len(stale)
    return run


async def flag_calls(call_ids: Sequence[int]) -> FlagRun:
    """Work out and store the flags of these calls (after an import, a transcript, an automatic
    check, a survey answer or a case); a call that is not an answered call loses its flags."""
    context = await _Context.load()
    run = FlagRun(month="")
    ids = sorted(set(call_ids))
    for index in range(0, len(ids), BATCH):
        chunk = ids[index : index + BATCH]
        calls = await Call.raw(f'SELECT {CALL_COLUMNS} FROM "call" c WHERE {ANSWERED} AND {db.sql_in(CALL_ID, chunk)}')
        found = await _flag_batch(calls, context, run) if calls else set()
        others = [c for c in chunk if c not in found]
        if others:
            async with db.write_transaction():
                before = await CallFlag.count().where(CallFlag.call.is_in(others))
                await CallFlag.delete().where(CallFlag.call.is_in(others))
            run.deleted += before
    return run


async def after_calls(call_ids: Sequence[int]) -> None:
    """The package's hook: calls were imported or transcribed (run after the automatic checks)."""
    await flag_calls(call_ids)


async def month_counts(month: str) -> Counter:
    """Flagged calls of the month by kind."""
    rows = await CallFlag.raw('SELECT "kind", COUNT(*) AS n FROM "call_flag" WHERE "month" = {} GROUP BY "kind"', month)
    return Counter({r["kind"]: r["n"] for r in rows})


async def for_call(call_id: int) -> list[dict[str, Any]]:
    """One call's flags, in the order of `flags.KINDS`, each with its label."""
    rows = await CallFlag.select(CallFlag.kind, CallFlag.detail, CallFlag.flagged_at).where(CallFlag.call == call_id)
    order = list(KINDS)
    rows = [r for r in rows if r["kind"] in KINDS]
    for row in rows:
        row["label"] = KINDS[row["kind"]]
    return sorted(rows, key=lambda r: order.index(r["kind"]))


async def flag_this_month(ctx: dict | None = None) -> int:
    """The nightly job: this month's flags brought up to date (new survey answers and case links
    flag their calls without an import or a transcript); returns the calls flagged."""
    return (await flag_month(current_month(get_settings().timezone))).flagged


CRON_JOBS = [CronJob(flag_this_month, cron="23 1 * * *")]
