"""Numbers in a word list read back as digits, per language: what a caller says ("one nine
eight five zero three", "nineteen eighty five oh three", "double five", "negentien
vijfentachtig nul drie", "nitton åttiofem noll tre") and what a resident writes ("850312-1234",
"070 123 45 67", "NL91 ABNA 0417 1643 00").

`read_groups(words, language)` finds every word or run of words that says one number (a *group*:
"eighty five" is 85, "oh" is 0, "double five" is 55, "1985-03" is 198503) and every short
letter token that may belong to an account or insurance number; `digit_runs` joins the groups
that follow one another (with only "dash", "minus", "uh"... between them) into *runs*, the digit
sequences a personal, card or phone number is looked for in. Which words sit in a group is kept,
so that the words themselves can be replaced.

English, Dutch, French, German and Danish are read with `text2num` (a maintained library:
English, French, German, Spanish, Italian, Portuguese, Dutch and Danish); Swedish and Norwegian,
which it does not cover, with the small tables below. Words that are also everyday words ("one",
"oh", "een", "en", "ett") count only next to another number word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import text2num

TEXT2NUM_LANGUAGES = frozenset({"en", "nl", "fr", "de", "es", "it", "pt", "da"})
LANGUAGES = TEXT2NUM_LANGUAGES | {"sv", "no"}

# The longest run of words read as one number ("one thousand two hundred and fifty five").
MAX_GROUP_WORDS = 8

# Swedish and Norwegian number words (text2num covers neither): the parts a number word is made of,
# "åttiofem" = "åttio" + "fem", "nittonhundraåttiofem" = 1985. Swedish also has digit nouns
# ("nolla", "etta", "tvåa") for reading digits out one by one.
_SWEDISH = {
    "noll": 0, "nolla": 0,
    "en": 1, "ett": 1, "etta": 1, "två": 2, "tvåa": 2, "tre": 3, "trea": 3, "fyra": 4, "fyran": 4,
    "fem": 5, "femma": 5, "sex": 6, "sexa": 6, "sju": 7, "sjua": 7, "åtta": 8, "åttan": 8,
    "nio": 9, "nie": 9, "nia": 9,
    "tio": 10, "tia": 10, "elva": 11, "tolv": 12, "tretton": 13, "fjorton": 14, "femton": 15,
    "sexton": 16, "sjutton": 17, "arton": 18, "aderton": 18, "nitton": 19,
    "tjugo": 20, "tjugu": 20, "tju": 20, "trettio": 30, "tretti": 30, "fyrtio": 40, "förtio": 40,
    "förti": 40, "fyrti": 40, "femtio": 50, "femti": 50, "sextio": 60, "sexti": 60,
    "sjuttio": 70, "sjutti": 70, "åttio": 80, "åtti": 80, "nittio": 90, "nitti": 90,
    "hundra": 100, "tusen": 1000,
}  # fmt: skip
_NORWEGIAN = {
    "null": 0,
    "en": 1, "én": 1, "ett": 1, "ei": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6,
    "sju": 7, "syv": 7, "åtte": 8, "ni": 9,
    "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15, "seksten": 16,
    "sytten": 17, "atten": 18, "nitten": 19,
    "tjue": 20, "tyve": 20, "tretti": 30, "tredve": 30, "førti": 40, "femti": 50, "seksti": 60,
    "sytti": 70, "åtti": 80, "nitti": 90,
    "hundre": 100, "tusen": 1000,
}  # fmt: skip
TABLES = {"sv": _SWEDISH, "no": _NORWEGIAN}

# Words for zero (a group of their own: "zero three" is 03, never 3), for "say it twice/three
# times", and number words that are everyday words too (counted only next to another number word).
ZERO_WORDS = {
    "en": {"zero", "oh", "o", "nought", "naught"},
    "nl": {"nul"},
    "sv": {"noll", "nolla"},
    "no": {"null"},
    "da": {"nul"},
    "de": {"null"},
    "fr": {"zéro", "zero"},
    "es": {"cero"},
    "it": {"zero"},
    "pt": {"zero"},
}
REPEAT_WORDS = {
    "en": {"double": 2, "triple": 3},
    "nl": {"dubbel": 2, "dubbele": 2, "driedubbel": 3, "triple": 3},
    "sv": {"dubbel": 2, "dubbla": 2, "dubbelt": 2, "trippel": 3},
    "no": {"dobbel": 2, "dobbelt": 2, "trippel": 3},
    "da": {"dobbelt": 2},
    "de": {"doppel": 2, "doppelte": 2},
    "fr": {"double": 2, "triple": 3},
}
AMBIGUOUS = {
    "en": {"one", "oh", "o"},
    "nl": {"een"},
    "sv": {"en", "ett"},
    "no": {"en", "ett", "ei", "to"},
    "da": {"en", "et"},
    "de": {"ein", "eine"},
    "fr": {"un", "une"},
    "es": {"un", "una", "uno"},
    "it": {"un", "una", "uno"},
    "pt": {"um", "uma"},
}
# Words said between the parts of one number, for each language and in any.
CONNECTORS = {
    "en": {"dash", "hyphen", "minus", "slash", "space"},
    "nl": {"streepje", "streep", "min", "koppelteken", "liggend"},
    "sv": {"streck", "bindestreck", "minus"},
    "no": {"strek", "bindestrek", "minus"},
    "da": {"streg", "bindestreg", "minus"},
    "de": {"strich", "bindestrich", "minus"},
    "fr": {"tiret", "moins"},
}
FILLERS = {
    "uh",
    "um",
    "uhm",
    "er",
    "erm",
    "eh",
    "ehm",
    "öh",
    "öhm",
    "äh",
    "ähm",
    "eeh",
    "hm",
    "hmm",
    "mm",
    "ah",
    "-",
    "–",
    "/",
}
PLUS_WORDS = {"plus", "+"}
# English names of letters that are rarely anything else ("q q one two three four five six c").
LETTER_NAMES = {
    "bee": "B", "cee": "C", "dee": "D", "gee": "G", "aitch": "H", "jay": "J", "kay": "K",
    "el": "L", "em": "M", "pee": "P", "cue": "Q", "queue": "Q", "tee": "T", "vee": "V",
    "ex": "X", "zed": "Z", "zee": "Z",
}  # fmt: skip

# Written tokens: digits with separators; times and dates (kept apart: they are groups of their own
# kind); letters and digits mixed (an IBAN or an insurance number written without spaces).
_PUNCTUATION = "\"'«»“”‘’()[]{}<>,;:!?.…*"
_WRITTEN_DIGITS = re.compile(r"\+?\d(?:[\d\-–./ ]*\d)?")
_TIME = re.compile(r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[-–]\d{1,2}[:.]\d{2})?|\d{1,2}[:.]\d{2}[-–]\d{1,2}[:.]\d{2}")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})|\d{1,2}/\d{1,2}")
_ALNUM = re.compile(r"[A-Za-z]{2}\d{2}[A-Za-z0-9]{0,32}|[A-Za-z]{2}\d{6}[A-Da-d]")
_LETTERS = re.compile(r"[A-Z]{2,4}")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Group:
    """Words `first`..`last` (indices, inclusive) that say one number or one letter group."""

    first: int
    last: int
    chars: str  # the digits it says ("85", "0", "55"), or upper-case letters (and digits: "NL", "NL91")
    spoken: bool = True  # said in words (False: written in digits)
    multi: bool = False  # said as a number of two or more digits ("eighty five", "nineteen hundred")
    plus: bool = False  # preceded by "plus" / written "+46": an international phone number
    ambiguous: bool = False  # a word that is an everyday word too ("one", "een", "en")
    date: bool = False  # a written date ("2026-03-12", "12/03/2026")
    text: str = ""  # a written group's token as written (its separators tell an SSN "123-45-6789")

    @property
    def letters(self) -> bool:
        """Letters (perhaps with digits: "NL91"), not a number."""
        return not self.chars.isdigit()


@dataclass(frozen=True)
class Run:
    """Groups one after another: one digit sequence as the speaker or writer gave it."""

    groups: tuple[Group, ...]

    @property
    def first(self) -> int:
        return self.groups[0].first

    @property
    def last(self) -> int:
        return self.groups[-1].last

    @property
    def chars(self) -> str:
        return "".join(group.chars for group in self.groups)

    @property
    def digits(self) -> str:
        return "".join(group.chars for group in self.groups if not group.letters)


def normalise(word: str) -> str:
    """A word as the tables know it: lower case, without surrounding punctuation."""
    return word.strip(_PUNCTUATION).lower()


def core(word: str) -> str:
    """A written token without surrounding punctuation (case kept)."""
    return word.strip(_PUNCTUATION)


@lru_cache(maxsize=65536)
def _table_parts(word: str, language: str) -> tuple[int, ...] | None:
    """The values of the parts a word is made of ("åttiofem" -> (80, 5)), longest parts first."""
    table = TABLES[language]

    def split(rest: str) -> tuple[int, ...] | None:
        if not rest:
            return ()
        for size in range(len(rest), 0, -1):
            if rest[:size] in table:
                tail = split(rest[size:])
                if tail is not None:
                    return (table[rest[:size]], *tail)
        return None

    return split(word)


def _combine(parts: Sequence[int]) -> int | None:
    """One number from its parts in order (20, 5 -> 25; 19, 100, 80, 5 -> 1985), or None when the
    parts do not make one number (5, 5 is two numbers; zero stands alone)."""
    if not parts:
        return None
    if 0 in parts:
        return 0 if len(parts) == 1 else None
    total, current = 0, None
    for value in parts:
        if value == 1000:
            if total:
                return None
            total, current = (current or 1) * 1000, None
        elif value == 100:
            if current is not None and (current >= 100 or current == 0):
                return None
            current = (current or 1) * 100
        elif value >= 20:  # tens
            if current is not None and not (current >= 100 and current % 100 == 0):
                return None
            current = (current or 0) + value
        elif value >= 10:  # ten and the teens
            if current is not None and not (current >= 100 and current % 100 == 0):
                return None
            current = (current or 0) + value
        else:  # a unit
            if current is not None and not (
                (current >= 100 and current % 100 == 0) or (current % 10 == 0 and current % 100 >= 20)
            ):
                return None
            current = (current or 0) + value
    return total + (current or 0)


@lru_cache(maxsize=65536)
def number_value(words: tuple[str, ...], language: str) -> int | None:
    """The number these (normalised) words say together, or None: ("eighty", "five") -> 85,
    ("vijfentachtig",) -> 85, ("nitton", "hundra") -> 1900, ("one", "nine") -> None."""
    if not words or any(not word or not word[0].isalpha() for word in words):
        return None
    if language in TABLES:
        parts: list[int] = []
        for word in words:
            found = _table_parts(word, language)
            if found is None:
                return None
            parts.extend(found)
        return _combine(parts)
    if language not in TEXT2NUM_LANGUAGES:
        raise ValueError(f"numbers in {language!r} are not read (languages: {', '.join(sorted(LANGUAGES))})")
    try:
        return int(text2num(" ".join(words), language))
    except (ValueError, TypeError):
        return None


def _joiner(word: str, language: str) -> bool:
    """Words that only occur inside a number ("one hundred and five")."""
    return language == "en" and word == "and"


def _written(token: str, index: int, plus_before: bool) -> Group | None:
    """A written token as a group: digits ("850312-1234", "+46"), a date, or letters and digits."""
    if not _HAS_DIGIT.search(token):
        return None
    text = core(token)
    if not text:
        return None
    if _TIME.fullmatch(text) or ":" in text:
        return None
    if _WRITTEN_DIGITS.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        return Group(
            index,
            index,
            digits,
            spoken=False,
            plus=text.startswith("+") or plus_before,
            date=bool(_DATE.fullmatch(text)),
            text=text,
        )
    if _ALNUM.fullmatch(text) and any(c.isdigit() for c in text):
        return Group(index, index, text.upper(), spoken=False, text=text)
    return None


def read_groups(words: Sequence[str], language: str, segments: Sequence[int] | None = None) -> list[Group]:
    """Every group in `words`, in order: numbers said in words (in `language`), numbers written in
    digits, and letter tokens (single letters, upper-case "NL", "ABNA", English letter names) that
    may be part of an account or insurance number. Connecting words and fillers give no group; a
    group never spans two `segments` (turns)."""
    if language not in LANGUAGES:
        raise ValueError(f"numbers in {language!r} are not read (languages: {', '.join(sorted(LANGUAGES))})")
    norm = [normalise(word) for word in words]
    zero, repeat = ZERO_WORDS.get(language, set()), REPEAT_WORDS.get(language, {})
    ambiguous = AMBIGUOUS.get(language, set())
    segment = list(segments) if segments is not None else [0] * len(norm)

    def is_number(i: int) -> bool:
        return 0 <= i < len(norm) and (norm[i] in zero or number_value((norm[i],), language) is not None)

    def digit_word(i: int) -> str | None:
        """The single digit a word says ("five", "oh"), else None."""
        if not 0 <= i < len(norm):
            return None
        if norm[i] in zero:
            return "0"
        value = number_value((norm[i],), language)
        return str(value) if value is not None and value < 10 else None

    def near_number(i: int) -> bool:
        """Next to another number word, a written number or "double"."""
        for j in (i - 1, i + 1):
            if 0 <= j < len(norm) and segment[j] != segment[i]:
                continue
            if is_number(j) or (0 <= j < len(norm) and (norm[j] in repeat or _written(words[j], j, False))):
                return True
        return False

    groups: list[Group] = []
    i = 0
    while i < len(norm):
        word = norm[i]
        plus_before = i > 0 and norm[i - 1] in PLUS_WORDS
        written = _written(words[i], i, plus_before)
        if written is not None:
            groups.append(written)
            i += 1
            continue
        if word in repeat and digit_word(i + 1) is not None and segment[i + 1] == segment[i]:
            groups.append(Group(i, i + 1, digit_word(i + 1) * repeat[word], plus=plus_before))
            i += 2
            continue
        if word in zero:
            # "oh" is a zero only among numbers ("oh seven", "five oh"), not "oh, I see".
            if word in ambiguous and not near_number(i):
                i += 1
                continue
            groups.append(Group(i, i, "0", plus=plus_before, ambiguous=word in ambiguous))
            i += 1
            continue
        if is_number(i):
            # The longest run of words from here that says one number.
            end = i + 1
            while (
                end < len(norm)
                and segment[end] == segment[i]
                and end - i < MAX_GROUP_WORDS
                and ((is_number(end) and norm[end] not in zero) or _joiner(norm[end], language))
            ):
                end += 1
            for stop in range(end, i, -1):
                if _joiner(norm[stop - 1], language):
                    continue
                value = number_value(tuple(norm[i:stop]), language)
                if value is not None:
                    break
            else:  # pragma: no cover - a single number word always has a value
                i += 1
                continue
            is_ambiguous = stop == i + 1 and word in ambiguous
            if is_ambiguous and not near_number(i):
                i += 1
                continue
            groups.append(Group(i, stop - 1, str(value), multi=value >= 10, plus=plus_before, ambiguous=is_ambiguous))
            i = stop
            continue
        letter = _letter(words[i], norm[i], language)
        if letter:
            groups.append(Group(i, i, letter))
        i += 1
    return groups


def _letter(token: str, word: str, language: str) -> str | None:
    """A token that may be letters of an account or insurance number: one letter, an upper-case
    2-4 letter group as written ("NL", "ABNA"), an English letter name ("bee", "zed")."""
    text = core(token)
    if len(word) == 1 and word.isalpha() and word.isascii():
        return word.upper()
    if _LETTERS.fullmatch(text):
        return text
    if language == "en" and word in LETTER_NAMES:
        return LETTER_NAMES[word]
    return None


def digit_runs(
    words: Sequence[str],
    language: str,
    *,
    breaks: frozenset[int] | set[int] = frozenset(),
    segments: Sequence[int] | None = None,
) -> list[Run]:
    """The runs of groups in `words` that hold at least one digit. Groups join when only
    connecting words ("dash", "streck", "streepje"), fillers ("uh", "eh") or "plus" lie between
    them; a word index in `breaks`, or a change of `segments[i]` (a new turn, a new sentence),
    ends a run."""
    connectors = CONNECTORS.get(language, set()) | FILLERS
    norm = [normalise(word) for word in words]
    runs: list[list[Group]] = []
    for group in read_groups(words, language, segments):
        if any(i in breaks for i in range(group.first, group.last + 1)):
            continue
        if runs:
            previous = runs[-1][-1]
            between = range(previous.last + 1, group.first)
            same_segment = segments is None or segments[previous.last] == segments[group.first]
            if same_segment and all(
                i not in breaks and (norm[i] in connectors or norm[i] in PLUS_WORDS or not norm[i]) for i in between
            ):
                runs[-1].append(group)
                continue
        runs.append([group])
    return [Run(tuple(groups)) for groups in runs if any(c.isdigit() for g in groups for c in g.chars)]


def spoken_digits(text: str, language: str) -> list[str]:
    """The digit sequences said or written in `text`, run by run: "one nine eight five dash zero
    three" -> ["198503"]. For reading and for tests; redaction works on `digit_runs`."""
    return [run.digits for run in digit_runs(text.split(), language)]
