"""Personal numbers never kept: finding and taking out national identity numbers, payment card
numbers, bank accounts, phone numbers and email addresses in a transcript or a resident's text,
before it is stored (issue 19). Plain functions: no database, no web, no logging of what they
read.

What is found (each kind switched on or off in `RedactionConfig.kinds`):
- `national_id`: the identity numbers of the countries the centre names (`countries`): Sweden's
  personnummer and samordningsnummer (10 or 12 digits), the Netherlands' BSN (9), Belgium's
  national register and BIS numbers (11), Norway's fødselsnummer and D-number (11), the UK's
  National Insurance number (two letters, six digits, a letter), the US SSN (written
  123-45-6789, or after a cue). Formats and check digits are python-stdnum's (the UK number has
  no check digit and stdnum no module for it: its published letter rules are the pattern below).
- `card`: payment card numbers (13-19 digits, a card network's first digit, stdnum's Luhn check);
  after "security code"/"CVC", the 3-4 digits too.
- `bank_account`: IBANs (stdnum's check), and any account number after a cue ("account number",
  "kontonummer", "rekeningnummer", "sort code", "bankgiro"...).
- `phone`: numbers `phonenumbers` says are valid in one of the countries: international ("+46
  ...", "plus four six ..."), or national with the trunk prefix ("070 ...", "06 ..."); Norway's
  and the US's (no trunk prefix) only written as phone numbers ("40 61 23 45") or after a cue.
- `email`: addresses written (anna@example.org) or said ("anna dot svensson at example dot com").

Numbers are read from words as well as digits (kit/spoken_numbers.py): "one nine eight five zero
three", "nineteen eighty five oh three", "double five", "negentien vijfentachtig", "nitton
åttiofem". A run of digits that follows a cue (within `cue_window` words: "personal number", "date
of birth", "BSN", "personnummer", "card number", "telefonnummer"...) and is long enough to be what
the cue announces is taken out even when its check digit fails: a misheard digit must not leak
the other nine; a number after a cue that stops short may go on after a hesitation, and the
next run close by is taken too. Without a cue only a number that passes its check is taken.

What stays: the case register's tracking numbers ("2026-004217", written; said, after "case
number" or with the year said as a year), times (14:30, "half past two"), dates written as dates,
amounts (a currency next to them), house numbers, counts, opening hours: none of them passes a
check, and none follows a cue. A 9-12 digit reference number of some other register (an invoice
number) can pass a check by chance (a BSN's one in eleven) and is then taken out.

The API:
- `redact_text(text, config)` -> `RedactedText(text, kinds)`: a resident's text with
  "[personal number]", "[card number]", "[bank account]", "[phone number]", "[email]" in place of
  what was found, and how many of each kind.
- `redact_transcript(transcript, config)` -> `(redacted, redactions)`: a transcript in DESIGN.md's
  JSON shape with each redacted span's words merged into one placeholder word (its start and end
  kept), and `[{"kind", "start", "end", "speaker"}]`. Never the original digits.
- `find_in_text` / `find_in_transcript`: only what would be redacted (a "test mode").
- `check_transcript(data)`: TranscriptError naming the first thing that makes `data` not a
  transcript.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any

from kit.spoken_numbers import Group, Run, core, digit_runs, normalise

KINDS = ("national_id", "card", "bank_account", "phone", "email")
# Other names a setting may use for a kind.
KIND_ALIASES = {
    "personal_number": "national_id",
    "national_ids": "national_id",
    "id": "national_id",
    "cards": "card",
    "iban": "bank_account",
    "bank": "bank_account",
    "account": "bank_account",
    "phones": "phone",
    "emails": "email",
}
PLACEHOLDERS = {
    "national_id": "[personal number]",
    "card": "[card number]",
    "bank_account": "[bank account]",
    "phone": "[phone number]",
    "email": "[email]",
}
COUNTRIES = ("SE", "NL", "BE", "NO", "GB", "US")
# The languages numbers are read in for each country (English is always read too).
COUNTRY_LANGUAGES = {"SE": ("sv",), "NL": ("nl",), "BE": ("nl", "fr"), "NO": ("no",), "GB": ("en",), "US": ("en",)}
# Digits in each country's identity number: the shape a run after a cue must have (give or take one).
ID_DIGITS = {"SE": (10, 12), "NL": (9,), "BE": (11,), "NO": (11,), "GB": (6,), "US": (9,)}
MODES = ("off", "test", "on")

# The case register's tracking numbers (cases/case_rules.TRACKING_NUMBER: year, dash, six digits);
# kit cannot import cases, so the pattern is repeated here and can be replaced in the config.
TRACKING_NUMBER = re.compile(r"\b20\d\d-\d{6}\b")
# Said, its ten digits; its year (from 2013) is no month, so a Swedish personal number of a child
# born in 2001-2012 (YYMMDD...) never passes for one.
_SPOKEN_TRACKING = re.compile(r"20(1[3-9]|[2-9]\d)\d{6}")

# UK National Insurance numbers: two prefix letters (not D, F, I, Q, U, V; not O second; not the
# unallocated pairs), six digits, a suffix A-D (https://www.gov.uk/hmrc-internal-manuals/
# national-insurance-manual/nim39110). There is no check digit.
_NINO = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")
_SSN_WRITTEN = re.compile(r"\d{3}-\d{2}-\d{4}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
CARD_FIRST_DIGITS = "23456"  # Mastercard 2/5, Amex 3, Visa 4, Discover and others 6

# Cues: the words that announce a kind of number, in English, Swedish, Dutch, Norwegian (and a
# little French). "a b" is a phrase of whole words; "stem*" is any word starting so (Swedish and
# Dutch run words together: "personnumret", "kortnummer", "bsn-nummer"); else one whole word.
CUES = {
    "national_id": (
        "personal number", "personal identity number", "personal identification number", "personal id",
        "identity number", "id number", "identification number", "national id", "national identity number",
        "national number", "national register number", "national insurance", "ni number", "nino", "insurance number",
        "social security", "ssn", "date of birth", "birth date", "birthdate", "born on", "birth number",
        "citizen service number", "coordination number", "d number", "bsn*", "sofinum*", "sofi",
        "personnum*", "personnr*", "pnr", "p-nr", "samordningsnum*", "födelsenum*", "födelsedatum*", "född",
        "burgerservicenum*", "geboortedatum*", "geboren", "rijksregisternum*", "rijksregister", "insz",
        "identiteitsnum*", "persoonsnum*", "fødselsnum*", "fødselsdato*", "født", "d-num*",
        "numéro national", "registre national",
    ),
    "card": (
        "card", "cards", "card number", "credit card", "debit card", "visa", "mastercard", "amex", "long number",
        "kort", "kortet", "kortnum*", "kreditkort*", "bankkort*", "betalkort*", "kontokort*",
        "kaart", "kaartnum*", "creditcard*", "pinpas*", "bankpas*", "betaalpas*", "kredittkort*", "carte",
    ),
    "card_code": (
        "security code", "cvc", "cvv", "cv2", "card verification", "säkerhetskod*", "cvc-kod*",
        "beveiligingscode*", "kontrollsiffr*", "sikkerhetskode*",
    ),
    "bank_account": (
        "account number", "bank account", "bank details", "iban", "sort code", "routing number",
        "kontonum*", "kontonr*", "bankkonto*", "konto", "kontot", "clearingnum*", "bankgiro*", "plusgiro*",
        "rekeningnum*", "rekening", "bankrekening*", "girorekening*", "compte bancaire",
    ),
    "phone": (
        "phone", "phone number", "telephone", "telephone number", "mobile", "mobile number", "cell phone",
        "call me on", "reach me on", "reach me at", "ring me on",
        "telefon", "telefonnum*", "mobilnum*", "mobil", "mobilen", "nås på",
        "telefoon", "telefoonnum*", "mobiel", "mobiele", "mobielnum*", "gsm", "gsm-num*",
    ),
    # Not a kind: after these a year-and-sequence number is a tracking number and stays.
    "case": (
        "case", "case number", "tracking number", "reference", "reference number", "ticket", "ticket number",
        "ärende", "ärendet", "ärendenum*", "referens*", "diarienum*", "zaak", "zaaknum*", "dossiernum*",
        "kenmerk", "referentie*", "meldingsnum*", "melding", "sak", "saken", "saksnum*", "referanse*",
    ),
}  # fmt: skip
CUE_KINDS = {"card_code": "card"}
# A number after a cue goes on in the next run this many words away at most.
CONTINUATION_WORDS = 3
# Digits a run after a cue needs to be what the cue announces (national_id: the shortest enabled
# identity number less one, see RedactionConfig.cue_digits).
CUE_DIGITS = {"card": 12, "card_code": 3, "bank_account": 4, "phone": 6}

# A number next to one of these is an amount of money.
CURRENCIES = {
    "kr", "kr.", "kronor", "krona", "kronan", "sek", "nok", "kroner", "krone", "dkk", "eur", "euro", "euros", "€",
    "£", "$", "gbp", "usd", "pounds", "pound", "dollars", "dollar", "öre", "cent", "cents", "pence", "p",
}  # fmt: skip

# Said email addresses: "anna dot svensson at example dot com", "snabel-a", "apenstaartje".
AT_PHRASES = (("at",), ("snabel", "a"), ("snabel-a",), ("snabela",), ("apenstaartje",), ("krøllalfa",), ("@",))
DOT_WORDS = {"dot", "punkt", "punt", "prick", "point"}
LOCAL_JOINERS = DOT_WORDS | {"underscore", "dash", "hyphen", "streck", "bindestreck", "streepje", "minus"}
TOP_LEVEL_DOMAINS = {
    "com", "org", "net", "se", "nl", "be", "no", "uk", "us", "eu", "nu", "info", "io", "gov", "edu", "de",
    "dk", "fi", "fr", "biz",
}  # fmt: skip


class TranscriptError(ValueError):
    """The data is not a transcript in DESIGN.md's JSON shape; the message says why."""


@dataclass(frozen=True)
class RedactionConfig:
    """What is redacted. `kinds`: KINDS switched on; `countries`: whose identity numbers (and phone
    numbers) are looked for; `languages`: the languages numbers are read in (empty: the countries'
    languages and English); `keep`: written patterns that are never redacted (tracking numbers);
    `cue_window`: how many words after a cue it still counts."""

    kinds: frozenset[str] = frozenset(KINDS)
    countries: tuple[str, ...] = COUNTRIES
    languages: tuple[str, ...] = ()
    keep: tuple[re.Pattern[str], ...] = (TRACKING_NUMBER,)
    cue_window: int = 12

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r}; the kinds are {', '.join(KINDS)}")
        wrong = [country for country in self.countries if country not in COUNTRIES]
        if wrong:
            raise ValueError(f"unknown country {wrong[0]!r}; the countries are {', '.join(COUNTRIES)}")

    @classmethod
    def from_strings(cls, kinds: str | None = None, countries: str | None = None, **options: Any) -> RedactionConfig:
        """A config from setting values: kinds "national_id, card, iban, phone, email" (or "all",
        or "none"), countries "SE,NL"; None or "" keeps the default. ValueError names a wrong entry."""
        return cls(kinds=parse_kinds(kinds), countries=parse_countries(countries), **options)

    @property
    def reading_languages(self) -> tuple[str, ...]:
        if self.languages:
            return self.languages
        found = ["en"]
        for country in self.countries:
            found += [language for language in COUNTRY_LANGUAGES[country] if language not in found]
        return tuple(found)

    @property
    def longest_digits(self) -> dict[str, int]:
        """The most digits an identity number (of the named countries) or a card number has."""
        lengths = [length for country in self.countries for length in ID_DIGITS[country]] or [12]
        return {"national_id": max(lengths), "card": 16}

    @property
    def cue_digits(self) -> dict[str, int]:
        lengths = [length for country in self.countries for length in ID_DIGITS[country]] or [9]
        return {**CUE_DIGITS, "national_id": min(lengths) - 1}


def parse_kinds(text: str | None) -> frozenset[str]:
    """ "national_id, card, iban" -> the kinds; None, "" or "all": all of them; "none": none."""
    if text is None or not text.strip() or text.strip().lower() == "all":
        return frozenset(KINDS)
    if text.strip().lower() == "none":
        return frozenset()
    found = set()
    for part in filter(None, (p.strip().lower().replace("-", "_").replace(" ", "_") for p in text.split(","))):
        kind = KIND_ALIASES.get(part, part)
        if kind not in KINDS:
            raise ValueError(f"unknown kind {part!r}; the kinds are {', '.join(KINDS)}")
        found.add(kind)
    return frozenset(found)


def parse_countries(text: str | None) -> tuple[str, ...]:
    """ "SE, nl" -> ("SE", "NL"); None or "": all the countries known; "UK" is GB."""
    if text is None or not text.strip():
        return COUNTRIES
    found: list[str] = []
    for part in filter(None, (p.strip().upper() for p in text.split(","))):
        country = "GB" if part == "UK" else part
        if country not in COUNTRIES:
            raise ValueError(f"unknown country {part!r}; the countries are {', '.join(COUNTRIES)}")
        if country not in found:
            found.append(country)
    return tuple(found)


def parse_mode(text: str | None) -> str:
    """ "off" | "test" | "on" (None or "": on)."""
    mode = (text or "on").strip().lower()
    if mode not in MODES:
        raise ValueError(f"unknown mode {text!r}; the modes are {', '.join(MODES)}")
    return mode


DEFAULT = RedactionConfig()


@dataclass(frozen=True)
class Finding:
    """Words `first`..`last` (inclusive) of a word list are a `kind`."""

    kind: str
    first: int
    last: int


@dataclass(frozen=True)
class TextSpan:
    """Characters `start`..`end` (exclusive) of a text are a `kind`."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class RedactedText:
    text: str
    kinds: dict[str, int] = field(default_factory=dict)  # how many of each kind were taken out

    @property
    def count(self) -> int:
        return sum(self.kinds.values())


# -- the checks ----------------------------------------------------------------------------------


@cache
def _lib() -> SimpleNamespace:
    """python-stdnum's modules and phonenumbers, imported on first use: together they take a few
    tenths of a second to import, and the settings (which every command reads) import this module
    for RedactionConfig."""
    import phonenumbers
    from stdnum import iban, luhn
    from stdnum.be import bis, nn
    from stdnum.nl import bsn
    from stdnum.no import fodselsnummer
    from stdnum.se import personnummer
    from stdnum.us import ssn

    return SimpleNamespace(
        phonenumbers=phonenumbers,
        iban=iban,
        luhn=luhn,
        be_bis=bis,
        be_nn=nn,
        nl_bsn=bsn,
        no_fodselsnummer=fodselsnummer,
        se_personnummer=personnummer,
        us_ssn=ssn,
    )


def _sweden(digits: str) -> bool:
    """A personnummer, or a samordningsnummer (the day plus 60), of 10 or 12 digits."""
    if len(digits) not in (10, 12):
        return False
    if _lib().se_personnummer.is_valid(digits):
        return True
    day_at = len(digits) - 6
    day = int(digits[day_at : day_at + 2])
    if not 61 <= day <= 91:
        return False
    as_birth = digits[:day_at] + f"{day - 60:02d}" + digits[day_at + 2 :]
    try:
        _lib().se_personnummer.get_birth_date(as_birth)
    except ValueError:
        return False
    return _lib().luhn.is_valid(digits[-10:])


def _check(digits: str, length: int, *validators: Callable[[str], bool]) -> bool:
    return len(digits) == length and any(valid(digits) for valid in validators)


NATIONAL_IDS: dict[str, Callable[[str, Sequence[Group]], bool]] = {
    "SE": lambda digits, groups: _sweden(digits),
    "NL": lambda digits, groups: _check(digits, 9, _lib().nl_bsn.is_valid),
    "BE": lambda digits, groups: _check(digits, 11, _lib().be_nn.is_valid, _lib().be_bis.is_valid),
    "NO": lambda digits, groups: _check(digits, 11, _lib().no_fodselsnummer.is_valid),
    "GB": lambda digits, groups: False,  # letters and digits: see _alnum_kind
    # Nine digits pass almost any SSN check: only the written form counts without a cue.
    "US": lambda digits, groups: (
        len(groups) == 1 and bool(_SSN_WRITTEN.fullmatch(groups[0].text)) and _lib().us_ssn.is_valid(digits)
    ),
}


def _written_as_phone(groups: Sequence[Group]) -> bool:
    """Written (not said) in parts: "40 61 23 45", "555-0123", "(201) 555 0123"."""
    return all(not group.spoken for group in groups) and (
        len(groups) > 1 or any(not c.isdigit() for c in groups[0].text.lstrip("+"))
    )


def _card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in CARD_FIRST_DIGITS and _lib().luhn.is_valid(digits)


@cache
def _trunk_prefix(region: str) -> str:
    """ "0" for Sweden, the Netherlands, Belgium, the UK; "" where numbers have none (Norway, the US)."""
    metadata = _lib().phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.national_prefix if metadata else None
    return "0" if prefix == "0" else ""


def _phone(digits: str, plus: bool, regions: Iterable[str], written_as_phone: bool) -> bool:
    """A valid phone number of one of the regions, or international ("+46...", "0046...").
    Nationally, where the country has a trunk prefix ("070...", "06...", "020...") the number must
    start with it; where it has none (Norway's eight digits, the US's ten), so many numbers are
    valid that only one written as a phone number ("40 61 23 45", "(201) 555-0123") counts
    without a cue."""
    if not 7 <= len(digits) <= 15:
        return False
    if plus or digits.startswith("00"):
        tries = [("+" + (digits[2:] if not plus else digits), None)]
    else:
        tries = [
            (digits, region)
            for region in regions
            if (digits.startswith("0") if _trunk_prefix(region) else written_as_phone)
        ]
    phonenumbers = _lib().phonenumbers
    for text, region in tries:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and (
            region is None or phonenumbers.is_valid_number_for_region(number, region)
        ):
            return True
    return False


# -- finding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cue:
    kind: str
    first: int
    last: int


def _cue_tables() -> tuple[dict[str, list[tuple[tuple[str, ...], str]]], dict[str, str]]:
    """Cue phrases by their first word (longest first), and cue stems (one word each) with their kind."""
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    stems: dict[str, str] = {}
    for kind, cues in CUES.items():
        for cue in cues:
            if cue.endswith("*"):
                assert " " not in cue, cue
                stems[cue[:-1]] = kind
            else:
                words = tuple(cue.split())
                phrases.setdefault(words[0], []).append((words, kind))
    for found in phrases.values():
        found.sort(key=lambda phrase: -len(phrase[0]))
    return phrases, stems


_PHRASES, _STEMS = _cue_tables()
_STEM_STARTS = tuple(sorted(_STEMS, key=len, reverse=True))


def find_cues(norm: Sequence[str]) -> list[_Cue]:
    """The cues in normalised words, in order; at each word the longest phrase ("card number"
    before "card", "case number" before "case")."""
    found, i = [], 0
    while i < len(norm):
        word = norm[i]
        for words, kind in _PHRASES.get(word, ()):
            if tuple(norm[i : i + len(words)]) == words:
                found.append(_Cue(kind, i, i + len(words) - 1))
                i += len(words)
                break
        else:
            if word.startswith(_STEM_STARTS):
                stem = next(stem for stem in _STEM_STARTS if word.startswith(stem))
                found.append(_Cue(_STEMS[stem], i, i))
            i += 1
    return found


def _spoken_emails(norm: Sequence[str], segments: Sequence[int]) -> list[Finding]:
    """ "anna dot svensson at example dot com": local part, an "at", a domain ending in a known
    top-level domain."""
    found = []

    def word(i: int) -> bool:
        return 0 <= i < len(norm) and norm[i].replace("-", "").isalnum()

    for i in range(1, len(norm)):
        for phrase in AT_PHRASES:
            if tuple(norm[i : i + len(phrase)]) != phrase:
                continue
            after = i + len(phrase)
            end, dots = after, 0
            if not word(end):
                continue
            while _at(norm, end + 1) in DOT_WORDS and word(end + 2):
                end, dots = end + 2, dots + 1
            if not dots or norm[end] not in TOP_LEVEL_DOMAINS or not word(i - 1):
                continue
            start = i - 1
            while start >= 2 and _at(norm, start - 1) in LOCAL_JOINERS and word(start - 2):
                start -= 2
            if len({segments[j] for j in range(start, end + 1)}) == 1:
                found.append(Finding("email", start, end))
    return found


def _at(norm: Sequence[str], i: int) -> str:
    return norm[i] if 0 <= i < len(norm) else ""


def _year_first(run: Run) -> bool:
    """A tracking number said with its year as a year: "twenty twenty six ...", "2026 004217"."""
    first = run.groups[0]
    if len(first.chars) == 4 and first.chars.startswith("20") and (first.multi or not first.spoken):
        return True
    return (
        len(run.groups) > 1
        and first.chars == "20"
        and first.multi
        and run.groups[1].multi
        and len(run.groups[1].chars) == 2
    )


def _trims(groups: Sequence[Group]) -> list[Sequence[Group]]:
    """A run, and the run without an everyday word at either end ("oh", "one", "een")."""
    found = [groups]
    if len(groups) > 1 and groups[0].ambiguous:
        found.append(groups[1:])
    if len(groups) > 1 and groups[-1].ambiguous:
        found.append(groups[:-1])
    if len(groups) > 2 and groups[0].ambiguous and groups[-1].ambiguous:
        found.append(groups[1:-1])
    return found


def _digit_segments(run: Run) -> list[list[Group]]:
    segments: list[list[Group]] = [[]]
    for group in run.groups:
        if group.letters:
            segments.append([])
        else:
            segments[-1].append(group)
    return [segment for segment in segments if segment]


def _numeric_kind(groups: Sequence[Group], config: RedactionConfig, kinds: Iterable[str]) -> str | None:
    """The kind (of `kinds`) a digit sequence is by its check, or None."""
    if any(group.date for group in groups):
        return None
    digits = "".join(group.chars for group in groups)
    plus = groups[0].plus
    for kind in kinds:
        if kind not in config.kinds:
            continue
        if kind == "national_id" and not plus:
            if any(NATIONAL_IDS[country](digits, groups) for country in config.countries):
                return kind
        elif kind == "card" and not plus and _card(digits):
            return kind
        elif kind == "phone" and _phone(digits, plus, config.countries, _written_as_phone(groups)):
            return kind
    return None


def _alnum_kind(chars: str, config: RedactionConfig) -> str | None:
    if "bank_account" in config.kinds and len(chars) >= 15 and _lib().iban.is_valid(chars):
        return "bank_account"
    if "national_id" in config.kinds and "GB" in config.countries and _NINO.fullmatch(chars):
        return "national_id"
    return None


def _checked(run: Run, config: RedactionConfig, kinds: Sequence[str]) -> list[Finding]:
    """The numbers in a run that pass their check (of `kinds`): an IBAN or a National Insurance
    number starting at a letter group; a digit sequence between letter groups, whole or without
    an everyday word at either end."""
    groups = run.groups
    if "bank_account" in kinds or "national_id" in kinds:
        for i, group in enumerate(groups):
            if not group.letters:
                continue
            for j in range(len(groups), i, -1):
                kind = _alnum_kind("".join(g.chars for g in groups[i:j]), config)
                if kind:
                    return [Finding(kind, group.first, groups[j - 1].last)]
    found = []
    for segment in _digit_segments(run):
        for candidate in _trims(segment):
            kind = _numeric_kind(candidate, config, kinds)
            if kind:
                found.append(Finding(kind, _first_word(candidate), candidate[-1].last))
                break
    return found


def _classify(
    run: Run, cue: _Cue | None, case: _Cue | None, config: RedactionConfig, amount: bool
) -> tuple[list[Finding], bool]:
    """What a run is: a number that passes its check (an identity number, a card, an IBAN), else
    what the cue before it (`cue`) announces when it is long enough, else a valid phone number; an
    amount (`amount`: a currency next to it) only after a cue; a tracking number after "case
    number" (`case`, when nearer than `cue`) or with its year said as a year, never. And whether it
    was the cue that decided."""
    digits = run.digits
    case_nearer = case is not None and (cue is None or case.last > cue.last)
    if _SPOKEN_TRACKING.fullmatch(digits) and (case_nearer or _year_first(run)):
        return [], False
    checked = [] if amount else _checked(run, config, ("national_id", "card", "bank_account"))
    if checked:
        return checked, False
    if cue is not None:
        kind = CUE_KINDS.get(cue.kind, cue.kind)
        if kind in config.kinds and len(digits) >= config.cue_digits[cue.kind]:
            return [Finding(kind, _first_word(run.groups), run.last)], True
    return ([] if amount else _checked(run, config, ("phone",))), False


def _first_word(groups: Sequence[Group]) -> int:
    """A run's first word, with the "plus" said before it."""
    first = groups[0]
    return first.first - 1 if first.plus and first.spoken and first.first > 0 else first.first


PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}


def _merge(findings: Iterable[Finding]) -> list[Finding]:
    """Overlapping findings as one, of the first kind in KINDS among them."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.first, f.last)):
        if merged and finding.first <= merged[-1].last:
            last = merged[-1]
            kind = min(last.kind, finding.kind, key=PRIORITY.__getitem__)
            merged[-1] = Finding(kind, last.first, max(last.last, finding.last))
        else:
            merged.append(finding)
    return merged


def find_in_words(
    words: Sequence[str], config: RedactionConfig = DEFAULT, *, segments: Sequence[int] | None = None
) -> list[Finding]:
    """What to take out of a list of words (a transcript's, or a text's tokens): findings of word
    indices, in order, never overlapping. `segments[i]` is the turn (or sentence) word i belongs
    to: a number never runs across two, a cue reaches across them (the agent asks, the caller
    answers)."""
    if not words or not config.kinds:
        return []
    segments = list(segments) if segments is not None else [0] * len(words)
    norm = [normalise(word) for word in words]
    findings: list[Finding] = []
    breaks: set[int] = set()
    for i, word in enumerate(words):
        if any(pattern.search(word) for pattern in config.keep):
            breaks.add(i)
        elif _EMAIL.search(word):
            breaks.add(i)
            if "email" in config.kinds:
                findings.append(Finding("email", i, i))
    if "email" in config.kinds:
        for finding in _spoken_emails(norm, segments):
            findings.append(finding)
            breaks.update(range(finding.first, finding.last + 1))
    cues = find_cues(norm)
    for cue in cues:
        breaks.update(range(cue.first, cue.last + 1))

    announcing = [cue for cue in cues if cue.kind != "case"]
    cases = [cue for cue in cues if cue.kind == "case"]
    ends = {id(found): [cue.last for cue in found] for found in (announcing, cases)}

    def before(found: list[_Cue], index: int) -> _Cue | None:
        """The nearest of `found` ending before word `index`, within the window."""
        at = bisect.bisect_left(ends[id(found)], index) - 1
        return found[at] if at >= 0 and index - found[at].last <= config.cue_window else None

    longest = config.longest_digits
    for language in config.reading_languages:
        # A number after a cue, shorter than the kind's longest, may go on after a hesitation
        # ("nineteen eighty five oh three twelve, sorry, one two three four"): the next run close by
        # in the same turn is taken too. (kind, its last word, its turn)
        open_number: tuple[str, int, int] | None = None
        for run in digit_runs(words, language, breaks=breaks, segments=segments):
            amount = _at(norm, run.first - 1) in CURRENCIES or _at(norm, run.last + 1) in CURRENCIES
            found, by_cue = _classify(run, before(announcing, run.first), before(cases, run.first), config, amount)
            if (
                not found
                and open_number is not None
                and open_number[2] == segments[run.first]
                and run.first - open_number[1] <= CONTINUATION_WORDS + 1
                and len(run.digits) >= 2
            ):
                found = [Finding(open_number[0], _first_word(run.groups), run.last)]
            open_number = None
            if by_cue and found[0].kind in longest and len(run.digits) < longest[found[0].kind]:
                open_number = (found[0].kind, run.last, segments[run.last])
            findings.extend(found)
    return _merge(findings)


# -- plain text ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?;,][\"')\]»”’]*$")


def _tokens(text: str) -> tuple[list[str], list[tuple[int, int]], list[int]]:
    """A text's tokens, the span of each without its surrounding punctuation, and its sentence (a
    comma ends one too: numbers in a list are apart)."""
    words, spans, segments = [], [], []
    sentence, last_end = 0, 0
    for match in _TOKEN.finditer(text):
        if "\n\n" in text[last_end : match.start()] or "\r\n\r\n" in text[last_end : match.start()]:
            sentence += 1
        token = match.group()
        stripped = core(token)
        offset = token.find(stripped) if stripped else 0
        end = offset + len(stripped)
        if offset and token[offset - 1] == "(" and token[end : end + 1] == ")":  # "(201) 555-0123"
            offset, stripped = offset - 1, token[offset - 1 : end + 1]
        words.append(token)
        spans.append((match.start() + offset, match.start() + offset + len(stripped)))
        segments.append(sentence)
        if _SENTENCE_END.search(token) and not re.fullmatch(r"\d+\.", token):
            sentence += 1
        last_end = match.end()
    return words, spans, segments


def find_in_text(text: str, config: RedactionConfig = DEFAULT) -> list[TextSpan]:
    """What would be taken out of a resident's text: character spans and kinds, nothing else."""
    words, spans, segments = _tokens(text)
    return [
        TextSpan(f.kind, spans[f.first][0], max(spans[f.last][1], spans[f.first][0] + 1))
        for f in find_in_words(words, config, segments=segments)
    ]


def redact_text(text: str, config: RedactionConfig = DEFAULT) -> RedactedText:
    """A resident's text (a survey comment, a case description, a voice comment's transcript) with
    a placeholder for each personal number, card, account, phone number and email found."""
    return _apply(text, find_in_text(text, config))


def _apply(text: str, spans: Sequence[TextSpan]) -> RedactedText:
    parts, at = [], 0
    for span in spans:
        parts += [text[at : span.start], PLACEHOLDERS[span.kind]]
        at = span.end
    parts.append(text[at:])
    return RedactedText("".join(parts), dict(Counter(span.kind for span in spans)))


# -- transcripts ---------------------------------------------------------------------------------

SPEAKERS = ("agent", "caller", None)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_transcript(data: Any) -> None:
    """TranscriptError naming the first thing that makes `data` not a transcript in DESIGN.md's
    JSON shape ({"text", "duration", "turns": [{"speaker", "start", "end", "text", "words":
    [{"word", "start", "end", "conf"}]}]})."""
    if not isinstance(data, dict):
        raise TranscriptError(f"a transcript is a JSON object, not {type(data).__name__}")
    if not isinstance(data.get("turns"), list):
        raise TranscriptError('a transcript has "turns", a list')
    if "text" in data and not isinstance(data["text"], str):
        raise TranscriptError('"text" is not a string')
    if "duration" in data and data["duration"] is not None and not _number(data["duration"]):
        raise TranscriptError('"duration" is not a number')
    for t, turn in enumerate(data["turns"], 1):
        if not isinstance(turn, dict):
            raise TranscriptError(f"turn {t} is not an object")
        if turn.get("speaker") not in SPEAKERS:
            raise TranscriptError(f'turn {t}: "speaker" is {turn.get("speaker")!r}, not agent, caller or null')
        if "text" in turn and not isinstance(turn["text"], str):
            raise TranscriptError(f'turn {t}: "text" is not a string')
        for key in ("start", "end"):
            if key in turn and not _number(turn[key]):
                raise TranscriptError(f'turn {t}: "{key}" is not a number')
        words = turn.get("words", [])
        if not isinstance(words, list):
            raise TranscriptError(f'turn {t}: "words" is not a list')
        if not words and not isinstance(turn.get("text"), str):
            raise TranscriptError(f'turn {t} has neither "words" nor "text"')
        for w, word in enumerate(words, 1):
            if not isinstance(word, dict) or not isinstance(word.get("word"), str):
                raise TranscriptError(f'turn {t}, word {w}: not an object with a "word" string')
            for key in ("start", "end"):
                if not _number(word.get(key)):
                    raise TranscriptError(f'turn {t}, word {w}: "{key}" is not a number')


def _turn_times(turn: dict) -> tuple[float | None, float | None]:
    words = turn.get("words") or []
    start = turn.get("start", words[0]["start"] if words else None)
    end = turn.get("end", words[-1]["end"] if words else None)
    return start, end


def _plan(transcript: dict, config: RedactionConfig) -> tuple[dict[int, list[Finding]], dict[int, list[TextSpan]]]:
    """The findings in each turn's words (by turn index), and in the text of turns without words."""
    flat, where, segments = [], [], []
    text_only: dict[int, list[TextSpan]] = {}
    for t, turn in enumerate(transcript["turns"]):
        words = turn.get("words") or []
        if not words:
            text_only[t] = find_in_text(turn.get("text", ""), config)
            continue
        for w, word in enumerate(words):
            flat.append(word["word"])
            where.append((t, w))
            segments.append(t)
    by_turn: dict[int, list[Finding]] = {}
    for finding in find_in_words(flat, config, segments=segments):
        (t, first), (_, last) = where[finding.first], where[finding.last]
        by_turn.setdefault(t, []).append(Finding(finding.kind, first, last))
    return by_turn, text_only


def _record(kind: str, start: Any, end: Any, speaker: str | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "start": round(start, 3) if _number(start) else start,
        "end": round(end, 3) if _number(end) else end,
        "speaker": speaker,
    }


def find_in_transcript(transcript: dict, config: RedactionConfig = DEFAULT) -> list[dict[str, Any]]:
    """What would be redacted (test mode): [{"kind", "start", "end", "speaker"}], in order; the
    transcript is not changed. TranscriptError if it is not a transcript."""
    check_transcript(transcript)
    by_turn, text_only = _plan(transcript, config)
    found = []
    for t, turn in enumerate(transcript["turns"]):
        for finding in by_turn.get(t, []):
            words = turn["words"]
            found.append(
                _record(finding.kind, words[finding.first]["start"], words[finding.last]["end"], turn.get("speaker"))
            )
        start, end = _turn_times(turn)
        found += [_record(span.kind, start, end, turn.get("speaker")) for span in text_only.get(t, [])]
    return found


def redact_transcript(
    transcript: dict, config: RedactionConfig = DEFAULT
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The transcript with each redacted span's words merged into one placeholder word
    ("[personal number]", start of its first word, end of its last, the lowest confidence), each
    turn's text and the whole text rebuilt from the words; and the redactions [{"kind", "start",
    "end", "speaker"}]. Only the keys of DESIGN.md's shape are kept (nothing unredacted rides
    along); the input is not changed. TranscriptError if it is not a transcript."""
    check_transcript(transcript)
    by_turn, text_only = _plan(transcript, config)
    turns, redactions = [], []
    for t, turn in enumerate(transcript["turns"]):
        speaker = turn.get("speaker")
        start, end = _turn_times(turn)
        words = [
            {key: word[key] for key in ("word", "start", "end", "conf") if key in word}
            for word in turn.get("words") or []
        ]
        if words:
            for finding in reversed(by_turn.get(t, [])):
                span = words[finding.first : finding.last + 1]
                merged = {"word": PLACEHOLDERS[finding.kind], "start": span[0]["start"], "end": span[-1]["end"]}
                confidences = [w["conf"] for w in span if _number(w.get("conf"))]
                if confidences:
                    merged["conf"] = min(confidences)
                words[finding.first : finding.last + 1] = [merged]
                redactions.append(_record(finding.kind, merged["start"], merged["end"], speaker))
            text = " ".join(word["word"] for word in words)
        else:
            spans = text_only.get(t, [])
            text = _apply(turn.get("text", ""), spans).text
            redactions += [_record(span.kind, start, end, speaker) for span in spans]
        turns.append({"speaker": speaker, "start": start, "end": end, "text": text, "words": words})
    redactions.sort(key=lambda r: (r["start"] if _number(r["start"]) else 0, r["end"] if _number(r["end"]) else 0))
    result: dict[str, Any] = {"text": " ".join(turn["text"] for turn in turns if turn["text"])}
    if "duration" in transcript:
        result["duration"] = transcript["duration"]
    result["turns"] = turns
    return result, redactions


def count_kinds(redactions: Iterable[dict[str, Any] | Finding | TextSpan]) -> dict[str, int]:
    """How many redactions of each kind (for the call page: "2 redactions: personal number, card")."""
    return dict(Counter(r["kind"] if isinstance(r, dict) else r.kind for r in redactions))
