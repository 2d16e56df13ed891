"""Personal numbers never kept (issue 19, must show 1 and 4): kit/redaction.py and
kit/spoken_numbers.py on hand-made transcripts in English, Swedish and Dutch (DESIGN.md's JSON
shape, with word times) holding each kind of number in digits and in words, grouped and
ungrouped, valid and with a wrong check digit after a cue: every one is taken out and its digits
appear nowhere in the output. A corpus of over 200 utterances with numbers that are not personal
(tracking numbers, times, amounts, house numbers, counts, opening hours, appointment dates), made
from templates with a fixed seed, loses under 2% of them. And `qa privacy redact`.

Every test number is made here, valid or wrong on purpose, with python-stdnum's check digits
(and phonenumbers' example numbers): none is a real person's."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
import pytest
from stdnum import iban, luhn
from stdnum.be import nn as be_nn
from stdnum.nl import bsn
from stdnum.no import fodselsnummer
from stdnum.se import personnummer

from kit.redaction import (
    PLACEHOLDERS,
    RedactionConfig,
    TranscriptError,
    check_transcript,
    count_kinds,
    find_in_text,
    find_in_transcript,
    redact_text,
    redact_transcript,
)
from kit.spoken_numbers import read_groups, spoken_digits
from qa_app.settings import ConfigError, get_settings, reset_settings
from tests.qa_command import run_qa

# -- test numbers, made with python-stdnum -------------------------------------------------------


def swedish(birth: str = "19850312", serial: str = "123") -> str:
    """A valid 12-digit personnummer (a samordningsnummer when the day is over 60)."""
    return birth + serial + luhn.calc_check_digit(birth[2:] + serial)


def dutch_bsn() -> str:
    for first in range(11122233, 11122300):
        for digit in "0123456789":
            if bsn.is_valid(f"{first}{digit}"):
                return f"{first}{digit}"
    raise AssertionError("no BSN")


def belgian(birth: str = "850312", serial: str = "123") -> str:
    number = f"{birth}{serial}{97 - int(birth + serial) % 97:02d}"
    assert be_nn.is_valid(number)
    return number


def norwegian(birth: str = "120385") -> str:
    for individual in range(123, 400):
        first9 = f"{birth}{individual}"
        d1 = fodselsnummer.calc_check_digit1(first9)
        if len(d1) == 1:
            d2 = fodselsnummer.calc_check_digit2(first9 + d1)
            if len(d2) == 1 and fodselsnummer.is_valid(first9 + d1 + d2):
                return first9 + d1 + d2
    raise AssertionError("no fødselsnummer")


def card() -> str:
    prefix = "400001234567890"
    return prefix + luhn.calc_check_digit(prefix)


def account(country: str, bban: str) -> str:
    return country + iban.calc_check_digits(country + "00" + bban) + bban


def wrong(number: str) -> str:
    """The same number with its last digit changed: its check fails."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def phone(region: str) -> str:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


PNR = swedish()
PNR_WRONG = wrong(PNR)
SAMORDNING = swedish("19850372", "456")
BSN = dutch_bsn()
BE_NN = belgian()
NO_FNR = norwegian()
CARD = card()
IBAN_SE = account("SE", "50000000058398257466")
IBAN_NL = account("NL", "ABNA0417164300")
IBAN_GB = account("GB", "WEST12345698765432")


def test_the_test_numbers_pass_or_fail_their_checks():
    assert personnummer.is_valid(PNR) and not personnummer.is_valid(PNR_WRONG)
    assert luhn.is_valid(SAMORDNING[-10:])
    assert bsn.is_valid(BSN) and not bsn.is_valid(wrong(BSN))
    assert be_nn.is_valid(BE_NN) and not be_nn.is_valid(wrong(BE_NN))
    assert fodselsnummer.is_valid(NO_FNR) and not fodselsnummer.is_valid(wrong(NO_FNR))
    assert luhn.is_valid(CARD) and not luhn.is_valid(wrong(CARD))
    assert all(iban.is_valid(number) for number in (IBAN_SE, IBAN_NL, IBAN_GB))
    assert not iban.is_valid(wrong(IBAN_SE))


# -- numbers in words ----------------------------------------------------------------------------

DIGIT_WORDS = {
    "en": "zero one two three four five six seven eight nine".split(),
    "sv": "noll ett två tre fyra fem sex sju åtta nio".split(),
    "nl": "nul een twee drie vier vijf zes zeven acht negen".split(),
    "no": "null en to tre fire fem seks sju åtte ni".split(),
}
TEENS = {
    "en": "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(),
    "sv": "tio elva tolv tretton fjorton femton sexton sjutton arton nitton".split(),
    "nl": "tien elf twaalf dertien veertien vijftien zestien zeventien achttien negentien".split(),
}
TENS = {
    "en": ",,twenty,thirty,forty,fifty,sixty,seventy,eighty,ninety".split(","),
    "sv": ",,tjugo,trettio,fyrtio,femtio,sextio,sjuttio,åttio,nittio".split(","),
    "nl": ",,twintig,dertig,veertig,vijftig,zestig,zeventig,tachtig,negentig".split(","),
}


def say(n: int, language: str) -> str:
    """A number as it is said: 85 "eighty five" / "åttiofem" / "vijfentachtig"; 1250 "one
    thousand two hundred and fifty" / "ett tusen tvåhundrafemtio" / "duizend tweehonderdvijftig"."""
    ones, teens, tens = DIGIT_WORDS[language], TEENS[language], TENS[language]
    if n < 10:
        return ones[n]
    if n < 20:
        return teens[n - 10]
    if n < 100:
        ten, unit = divmod(n, 10)
        if not unit:
            return tens[ten]
        if language == "en":
            return f"{tens[ten]} {ones[unit]}"
        if language == "sv":
            return tens[ten] + ones[unit]
        return ones[unit] + ("ën" if ones[unit].endswith("e") else "en") + tens[ten]
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if language == "en":
            return f"{ones[hundreds]} hundred" + (f" and {say(rest, language)}" if rest else "")
        lead = {"sv": "ett" if hundreds == 1 else ones[hundreds], "nl": "" if hundreds == 1 else ones[hundreds]}
        word = lead[language] + {"sv": "hundra", "nl": "honderd"}[language]
        return word + (say(rest, language) if rest else "")
    thousands, rest = divmod(n, 1000)
    word = {"en": f"{say(thousands, 'en')} thousand", "sv": f"{say(thousands, 'sv')} tusen"}.get(
        language, ("" if thousands == 1 else say(thousands, "nl")) + "duizend"
    )
    return word + (f" {say(rest, language)}" if rest else "")


def ungrouped(digits: str, language: str, *, oh: bool = False, double: bool = False) -> str:
    """Digit by digit: "one nine eight five zero three"; English may say "oh" and "double five"."""
    words, i = [], 0
    while i < len(digits):
        digit = DIGIT_WORDS[language][int(digits[i])]
        if oh and digits[i] == "0":
            digit = "oh"
        if (
            double
            and i + 1 < len(digits)
            and digits[i + 1] == digits[i]
            and (i + 2 >= len(digits) or digits[i + 2] != digits[i])
        ):
            words.append(f"double {digit}")
            i += 2
            continue
        words.append(digit)
        i += 1
    return " ".join(words)


def grouped(digits: str, language: str) -> str:
    """In pairs, said as numbers: "nineteen eighty five oh three twelve twelve thirty four"."""
    pairs = [digits[0]] if len(digits) % 2 else []
    pairs += [digits[i : i + 2] for i in range(len(digits) % 2, len(digits), 2)]
    zero = "oh" if language == "en" else DIGIT_WORDS[language][0]
    words = []
    for pair in pairs:
        if len(pair) == 2 and pair[0] == "0":
            words.append(f"{zero} {DIGIT_WORDS[language][int(pair[1])]}")
        else:
            words.append(say(int(pair), language))
    return " ".join(words)


@pytest.mark.parametrize(
    ("text", "language", "digits"),
    [
        ("one nine eight five zero three one two", "en", ["19850312"]),
        ("nineteen eighty five oh three twelve", "en", ["19850312"]),
        ("oh seven four double oh one two", "en", ["0740012"]),
        ("one hundred and five", "en", ["105"]),
        ("oh I see", "en", []),
        ("negentien vijfentachtig nul drie twaalf", "nl", ["19850312"]),
        ("een twee drie vier", "nl", ["1234"]),
        ("een afspraak om twee uur", "nl", ["2"]),
        ("nitton åttiofem noll tre tolv streck ett två tre fyra", "sv", ["198503121234"]),
        ("nittonhundraåttiofem", "sv", ["1985"]),
        ("ett tusen tvåhundrafemtio", "sv", ["1250"]),
        ("nolla sju nolla dubbel fem", "sv", ["07055"]),
        ("nitten åttifem null tre", "no", ["198503"]),
        ("850312-1234 at 14:30 on 2026-03-12", "en", ["8503121234", "20260312"]),
    ],
)
def test_numbers_in_words_are_read_back_as_digits(text, language, digits):
    assert spoken_digits(text, language) == digits


def test_the_spelling_helpers_read_back():
    for language in ("en", "sv", "nl"):
        for number in (PNR, BSN, CARD, "0701234567"):
            assert spoken_digits(ungrouped(number, language), language) == [number]
            assert spoken_digits(grouped(number, language), language) == [number]
        for n in (7, 42, 85, 105, 999, 1250, 4321, 20000):
            assert spoken_digits(say(n, language), language) == [str(n)]
    assert spoken_digits(ungrouped("0740012", "en", oh=True, double=True), "en") == ["0740012"]


# -- hand-made transcripts -----------------------------------------------------------------------


def transcript(*turns: tuple[str | None, str]) -> dict:
    """DESIGN.md's shape: words 0.4 s apart, turns 0.6 s apart."""
    at, out = 0.0, []
    for speaker, text in turns:
        words = []
        for word in text.split():
            words.append({"word": word, "start": round(at, 2), "end": round(at + 0.3, 2), "conf": 0.93})
            at += 0.4
        out.append(
            {"speaker": speaker, "start": words[0]["start"], "end": words[-1]["end"], "text": text, "words": words}
        )
        at += 0.6
    return {"text": " ".join(text for _, text in turns), "duration": round(at, 2), "turns": out}


@dataclass(frozen=True)
class Case:
    name: str
    language: str
    kind: str
    prompt: str  # what the agent says first (a cue, or none)
    number: str  # the number's words (or digits) as the caller says them
    digits: str  # the number's digits, which must appear nowhere afterwards

    def transcript(self) -> dict:
        before, after = CALLER_WORDS[self.language]
        return transcript(("agent", self.prompt), ("caller", f"{before} {self.number} {after}"))


CALLER_WORDS = {
    "en": ("yes it is", "thank you"),
    "sv": ("ja det är", "tack"),
    "nl": ("ja het is", "dank u"),
    "no": ("ja det er", "takk"),
}
NO_CUE = {"en": "go ahead please", "sv": "varsågod", "nl": "gaat uw gang", "no": "vær så god"}
CUES = {
    ("en", "national_id"): "could I have your personal number please",
    ("en", "GB"): "what is your national insurance number",
    ("en", "US"): "and your social security number",
    ("en", "card"): "can you read me the card number",
    ("en", "bank_account"): "what is your account number",
    ("en", "phone"): "which phone number can we reach you on",
    ("en", "email"): "what is your email address",
    ("sv", "national_id"): "kan jag få ditt personnummer",
    ("sv", "samordning"): "vad är ditt samordningsnummer",
    ("sv", "card"): "kan du läsa upp kortnumret",
    ("sv", "bank_account"): "vilket är ditt kontonummer",
    ("sv", "phone"): "vilket telefonnummer når vi dig på",
    ("sv", "email"): "vad är din e-postadress",
    ("nl", "national_id"): "mag ik uw burgerservicenummer",
    ("nl", "BE"): "wat is uw rijksregisternummer",
    ("nl", "card"): "wat is uw kaartnummer",
    ("nl", "bank_account"): "wat is uw rekeningnummer",
    ("nl", "phone"): "op welk telefoonnummer bent u bereikbaar",
    ("nl", "email"): "wat is uw e-mailadres",
    ("no", "national_id"): "hva er fødselsnummeret ditt",
}


def forms(digits: str, language: str, written: str) -> dict[str, str]:
    """The number in digits (as written), ungrouped in words, grouped in words."""
    found = {"digits": written, "words": ungrouped(digits, language), "grouped": grouped(digits, language)}
    if language == "en":
        found["words, oh and double"] = ungrouped(digits, language, oh=True, double=True)
    return found


def in_fours(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def pnr_written(digits: str) -> str:
    return f"{digits[:-4]}-{digits[-4:]}"


def be_written(digits: str) -> str:
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"


Said = Callable[[str, str], dict[str, str]]  # (digits, language) -> form -> what the caller says


def standard(write: Callable[[str], str]) -> Said:
    return lambda digits, language: forms(digits, language, write(digits))


def iban_said(letters: int) -> Said:
    """An IBAN written in fours, and said letter by letter and digit by digit (`letters`: how many
    characters of its bank code are letters)."""

    def said(number: str, language: str) -> dict[str, str]:
        def spell(part: str) -> str:
            return " ".join(c.lower() if c.isalpha() else DIGIT_WORDS[language][int(c)] for c in part)

        return {"digits": in_fours(number), "letters and words": spell(number)}

    return said


def cases() -> list[Case]:
    found: list[Case] = []

    def add(
        language: str,
        kind: str,
        cue: str,
        label: str,
        digits: str,
        said: Said,
        *,
        checked: bool = True,
        without_cue: bool = True,
    ) -> None:
        for form, number in said(digits, language).items():
            found.append(
                Case(f"{language} {label}, {form}, after a cue", language, kind, CUES[(language, cue)], number, digits)
            )
            if without_cue:
                found.append(
                    Case(f"{language} {label}, {form}, without a cue", language, kind, NO_CUE[language], number, digits)
                )
        if checked:  # the same number misheard, so that its check fails, after a cue
            bad = wrong(digits)
            for form, number in said(bad, language).items():
                found.append(
                    Case(
                        f"{language} {label} with a wrong check digit, {form}, after a cue",
                        language,
                        kind,
                        CUES[(language, cue)],
                        number,
                        bad,
                    )
                )

    nino: Said = lambda digits, language: {  # noqa: E731
        "digits": "AB 12 34 56 C",
        "words": "a b one two three four five six c",
        "grouped": "a b twelve thirty four fifty six c",
    }
    # English
    add("en", "national_id", "national_id", "Swedish personnummer", PNR, standard(pnr_written))
    add("en", "national_id", "GB", "national insurance number", "123456", nino, checked=False)
    add(
        "en",
        "national_id",
        "US",
        "social security number",
        "219451234",
        standard(lambda d: f"{d[:3]}-{d[3:5]}-{d[5:]}"),
        checked=False,
        without_cue=False,
    )
    found.append(
        Case(
            "en social security number, digits, without a cue",
            "en",
            "national_id",
            NO_CUE["en"],
            "219-45-1234",
            "219451234",
        )
    )
    add("en", "national_id", "national_id", "Belgian national number", BE_NN, standard(be_written))
    add("en", "card", "card", "card number", CARD, standard(in_fours))
    add("en", "bank_account", "bank_account", "IBAN", IBAN_GB, iban_said(4))
    add("en", "phone", "phone", "mobile number", "07400123456", standard(lambda d: phone("GB")), checked=False)
    # Swedish
    add("sv", "national_id", "national_id", "personnummer (12 digits)", PNR, standard(pnr_written))
    add("sv", "national_id", "national_id", "personnummer (10 digits)", PNR[2:], standard(pnr_written))
    add("sv", "national_id", "samordning", "samordningsnummer", SAMORDNING, standard(pnr_written))
    add("sv", "card", "card", "kortnummer", CARD, standard(in_fours))
    add("sv", "bank_account", "bank_account", "IBAN", IBAN_SE, iban_said(0))
    add(
        "sv",
        "bank_account",
        "bank_account",
        "clearing and account number",
        "83271234567",
        standard(lambda d: "8327-1 234 567"),
        checked=False,
        without_cue=False,
    )
    add("sv", "phone", "phone", "mobilnummer", "0701234567", standard(lambda d: phone("SE")), checked=False)
    # Dutch
    add("nl", "national_id", "national_id", "BSN", BSN, standard(str))
    add("nl", "national_id", "BE", "rijksregisternummer", BE_NN, standard(be_written))
    add("nl", "card", "card", "kaartnummer", CARD, standard(str))
    add("nl", "bank_account", "bank_account", "IBAN", IBAN_NL, iban_said(4))
    add("nl", "phone", "phone", "mobiel nummer", "0612345678", standard(lambda d: phone("NL")), checked=False)
    # Norwegian: written and digit by digit
    add(
        "no",
        "national_id",
        "national_id",
        "fødselsnummer",
        NO_FNR,
        lambda d, language: {"digits": d, "words": ungrouped(d, "no")},
    )
    # Email addresses, written and said
    for language, said in (
        ("en", "anna dot svensson at example dot org"),
        ("sv", "anna punkt svensson snabel-a exempel punkt se"),
        ("nl", "anna punt devries apenstaartje voorbeeld punt nl"),
    ):
        for prompt in (CUES[(language, "email")], NO_CUE[language]):
            found.append(Case(f"{language} email said ({prompt})", language, "email", prompt, said, ""))
            found.append(
                Case(f"{language} email written ({prompt})", language, "email", prompt, "anna.svensson@example.org", "")
            )
    return found


CASES = cases()
GROUPED_LANGUAGES = {"en", "sv", "nl"}


def _ids(case: Case) -> str:
    return case.name


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_every_personal_number_is_redacted(case: Case):
    original = case.transcript()
    kept = copy.deepcopy(original)
    redacted, redactions = redact_transcript(original)
    assert original == kept, "the input is not changed"

    before, after = CALLER_WORDS[case.language]
    caller_in, caller_out = original["turns"][1], redacted["turns"][1]
    expected = before.split() + [PLACEHOLDERS[case.kind]] + after.split()
    assert [w["word"] for w in caller_out["words"]] == expected
    assert caller_out["text"] == " ".join(expected)
    assert redacted["turns"][0] == original["turns"][0], "the agent's question stays"
    # The placeholder keeps the span's times: the first number word's start, the last one's end.
    first = len(before.split())
    last = len(caller_in["words"]) - len(after.split()) - 1
    placeholder = caller_out["words"][first]
    span = (caller_in["words"][first]["start"], caller_in["words"][last]["end"])
    assert (placeholder["start"], placeholder["end"]) == span
    assert redactions == [{"kind": case.kind, "start": span[0], "end": span[1], "speaker": "caller"}]
    # Test mode: the same redactions, nothing changed.
    assert find_in_transcript(original) == redactions
    # The original digits appear nowhere: not as digits, not as the words said.
    output = json.dumps([redacted, redactions], ensure_ascii=False)
    if case.digits:
        assert case.digits not in output
        assert case.digits[-4:] not in "".join(c for c in redacted["text"] if c.isdigit())
    assert case.number not in output
    assert redacted["text"] == f"{original['turns'][0]['text']} {' '.join(expected)}"


def test_the_cases_cover_each_kind_form_and_check():
    names = " | ".join(case.name for case in CASES)
    for language in GROUPED_LANGUAGES:
        for form in ("digits", "words", "grouped"):
            for check in ("after a cue", "without a cue", "wrong check digit"):
                assert any(
                    c.language == language and form in c.name and check in c.name and c.kind == "national_id"
                    for c in CASES
                ), (language, form, check)
    for kind in PLACEHOLDERS:
        for language in GROUPED_LANGUAGES:
            assert any(c.kind == kind and c.language == language for c in CASES), (kind, language)
    assert len(CASES) > 150, names


def test_a_kind_switched_off_or_a_country_not_named_is_left():
    number = grouped(BSN, "nl")
    call = transcript(("agent", NO_CUE["nl"]), ("caller", f"ja het is {number} en mijn nummer is 06 12345678"))
    everything, _ = redact_transcript(call)
    assert "[personal number]" in everything["text"] and "[phone number]" in everything["text"]
    no_phones, found = redact_transcript(call, RedactionConfig.from_strings("national_id, card, iban, email"))
    assert "06 12345678" in no_phones["text"] and count_kinds(found) == {"national_id": 1}
    sweden_only, found = redact_transcript(call, RedactionConfig.from_strings(countries="SE"))
    assert number in sweden_only["text"] and "national_id" not in count_kinds(found)
    # After a cue the shape is enough, whatever the country.
    asked = transcript(("agent", CUES[("nl", "national_id")]), ("caller", f"ja het is {BSN}"))
    assert count_kinds(redact_transcript(asked, RedactionConfig.from_strings(countries="SE"))[1]) == {"national_id": 1}


def test_settings_strings():
    config = RedactionConfig.from_strings("national_id, card, iban, phone, email", "SE,NL")
    assert config.kinds == {"national_id", "card", "bank_account", "phone", "email"}
    assert config.countries == ("SE", "NL") and config.reading_languages == ("en", "sv", "nl")
    assert RedactionConfig.from_strings("none").kinds == frozenset()
    for kinds, countries in (("national_id, passports", None), (None, "SE,XX")):
        with pytest.raises(ValueError, match="unknown"):
            RedactionConfig.from_strings(kinds, countries)


def test_phone_numbers_of_countries_without_a_trunk_prefix():
    """Norway's eight digits and the US's ten: so many numbers are valid that, said without a
    cue, they stay; written as a phone number, or after one, they go."""
    us, norway = phone("US"), phone("NO")
    assert redact_text(f"ring {norway} eller {us}").text == "ring [phone number] eller [phone number]"
    digits = "".join(c for c in norway if c.isdigit())
    assert redact_text(f"it is {ungrouped(digits, 'en')}").count == 0
    assert redact_text(f"my phone number is {ungrouped(digits, 'en')}").kinds == {"phone": 1}


def test_the_settings_from_the_environment(monkeypatch):
    def settings_with(**env):
        for name in ("QA_REDACT", "QA_REDACT_COUNTRIES", "QA_REDACT_MODE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        try:
            return get_settings()
        finally:
            reset_settings()

    settings = settings_with(QA_REDACT="card, iban", QA_REDACT_COUNTRIES="se, uk", QA_REDACT_MODE="Test")
    assert settings.redact_mode == "test"
    assert settings.redaction.kinds == {"card", "bank_account"} and settings.redaction.countries == ("SE", "GB")
    default = settings_with()
    assert default.redact_mode == "on" and default.redaction == RedactionConfig()
    for name, value in (("QA_REDACT_MODE", "maybe"), ("QA_REDACT", "passport"), ("QA_REDACT_COUNTRIES", "FR")):
        with pytest.raises(ConfigError, match=name):
            settings_with(**{name: value})


def test_a_childs_personal_number_is_no_tracking_number():
    """Ten digits starting "20" after "personal number" and "case": a child born in 2020
    (YYMMDD...), not a tracking number (whose year, 2013 on, is never a month)."""
    call = transcript(
        ("agent", "what is your sons personal number so that I can open a case"),
        ("caller", f"it is {grouped('2003121234', 'en')}"),
    )
    assert redact_transcript(call)[0]["turns"][1]["text"] == "it is [personal number]"
    kept = transcript(("agent", "your case number is"), ("caller", f"{ungrouped('2026004217', 'en')} thank you"))
    assert redact_transcript(kept)[1] == []


def test_a_residents_text_is_redacted_and_the_tracking_number_stays():
    text = (
        "Ärende 2026-004217. Jag ringde kl 14:30 om soptunnan på Storgatan 12. "
        f"Mitt personnummer är {PNR[2:8]}-{PNR[8:]}, nås på {phone('SE')} eller anna.svensson@example.org. "
        f"Återbetala 1 250 kr till {' '.join(IBAN_SE[i : i + 4] for i in range(0, len(IBAN_SE), 4))}."
    )
    redacted = redact_text(text)
    assert redacted.text == (
        "Ärende 2026-004217. Jag ringde kl 14:30 om soptunnan på Storgatan 12. "
        "Mitt personnummer är [personal number], nås på [phone number] eller [email]. "
        "Återbetala 1 250 kr till [bank account]."
    )
    assert redacted.kinds == {"national_id": 1, "phone": 1, "email": 1, "bank_account": 1} and redacted.count == 4
    spans = find_in_text(text)
    assert [span.kind for span in spans] == ["national_id", "phone", "email", "bank_account"]
    assert all(text[span.start : span.end] not in redacted.text for span in spans)


def test_a_number_said_across_two_turns_keeps_its_speakers():
    call = transcript(
        ("caller", f"my card number is {ungrouped(CARD[:8], 'en')} {ungrouped(CARD[8:], 'en')}"),
        ("agent", f"thank you and the phone number {ungrouped('07400123456', 'en')}"),
    )
    redacted, redactions = redact_transcript(call)
    assert [(r["kind"], r["speaker"]) for r in redactions] == [("card", "caller"), ("phone", "agent")]
    assert redacted["text"] == "my card number is [card number] thank you and the phone number [phone number]"


def test_a_number_that_goes_on_after_a_hesitation_is_taken_whole():
    call = transcript(
        ("agent", "could I have your personal number"),
        ("caller", "nineteen eighty five oh three twelve sorry one two three four and I have three children"),
    )
    redacted, redactions = redact_transcript(call)
    assert redacted["turns"][1]["text"] == "[personal number] sorry [personal number] and I have three children"
    assert [r["kind"] for r in redactions] == ["national_id", "national_id"]


def test_a_number_never_runs_across_turns():
    call = transcript(("agent", "is that twenty"), ("caller", f"five no it is {grouped(PNR, 'en')}"))
    redacted, redactions = redact_transcript(call)
    assert redacted["turns"][0]["text"] == "is that twenty"
    assert redacted["turns"][1]["text"] == "five no it is [personal number]"
    assert len(redactions) == 1 and redactions[0]["start"] >= call["turns"][1]["start"]
    assert [g.chars for g in read_groups(["twenty", "five"], "en", [0, 1])] == ["20", "5"]
    assert [g.chars for g in read_groups(["twenty", "five"], "en")] == ["25"]


def test_a_turn_without_words_is_redacted_as_text():
    call = {
        "text": "",
        "duration": 4.0,
        "turns": [{"speaker": "caller", "start": 1.0, "end": 3.5, "text": f"BSN {BSN}", "words": []}],
    }
    redacted, redactions = redact_transcript(call)
    assert redacted["turns"][0]["text"] == "BSN [personal number]"
    assert redactions == [{"kind": "national_id", "start": 1.0, "end": 3.5, "speaker": "caller"}]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ([1, 2], "JSON object"),
        ({"text": "hello"}, '"turns"'),
        ({"turns": [{"speaker": "resident", "words": []}]}, "speaker"),
        ({"turns": [{"speaker": "agent", "words": [{"word": "hi", "start": "0"}]}]}, '"start" is not a number'),
        ({"turns": [{"speaker": None}]}, 'neither "words" nor "text"'),
    ],
)
def test_not_a_transcript(data, reason):
    with pytest.raises(TranscriptError, match=reason):
        check_transcript(data)


# -- numbers that are not personal: the corpus ---------------------------------------------------

MONTHS = {
    "en": ["january", "march", "may", "june", "october"],
    "sv": ["januari", "mars", "maj", "juni", "oktober"],
    "nl": ["januari", "maart", "mei", "juni", "oktober"],
}
TEMPLATES = {
    "tracking": {
        "en": [
            "your case number is {tracking}",
            "I'm calling about {tracking_nocue}",
            "the reference number is {tracking} okay",
        ],
        "sv": ["ditt ärendenummer är {tracking}", "jag ringer om {tracking_nocue}", "ärendet har nummer {tracking}"],
        "nl": ["uw zaaknummer is {tracking}", "ik bel over {tracking_nocue}", "het kenmerk is {tracking}"],
    },
    "time": {
        "en": [
            "we can call you back at {hour} thirty",
            "at {hh}:{mm} tomorrow",
            "half past {hour} would suit me",
            "the collection is at {hour} {minute}",
        ],
        "sv": [
            "vi ringer tillbaka klockan {hour_n} och {minute}",
            "klockan {hh}.{mm} i morgon",
            "halv {hour} passar bra",
            "hämtningen är vid {hh}:{mm}",
        ],
        "nl": [
            "we bellen u terug om {hour} uur {minute}",
            "om {hh}:{mm} morgen",
            "half {hour} is goed",
            "de ophaling is om {hh}.{mm} uur",
        ],
    },
    "amount": {
        "en": [
            "the fee is {amount} pounds",
            "you owe {amount_digits} kronor",
            "it costs {amount} euro and {cents} cents",
            "a refund of £{amount_digits}.{cc}",
        ],
        "sv": [
            "avgiften är {amount} kronor",
            "du är skyldig {amount_spaced} kr",
            "det kostar {amount} kronor och {cents} öre",
            "återbetalning {amount_digits},{cc} kr",
        ],
        "nl": [
            "de leges zijn {amount} euro",
            "u moet € {amount_digits},{cc} betalen",
            "het kost {amount} euro en {cents} cent",
            "een boete van {amount_digits} euro",
        ],
    },
    "house": {
        "en": [
            "I live at {house} church street",
            "it is {house_digits} b station road",
            "flat {small} {house} high street",
            "the bin is outside number {house}",
        ],
        "sv": [
            "jag bor på storgatan {house}",
            "adressen är kungsgatan {house_digits} b",
            "storgatan {house} lägenhet {flat}",
            "soptunnan står vid nummer {house}",
        ],
        "nl": [
            "ik woon op de kerkstraat {house}",
            "het adres is dorpsstraat {house_digits} b",
            "de container staat bij nummer {house}",
            "molenweg {house} bus {small}",
        ],
    },
    "count": {
        "en": [
            "we have {count} children",
            "there were {count_digits} complaints last month",
            "I need {small} more bins",
            "we received {count} applications",
        ],
        "sv": [
            "vi har {small} barn",
            "det kom {count_digits} klagomål förra månaden",
            "jag behöver {small} soptunnor till",
            "vi fick {count} ansökningar",
        ],
        "nl": [
            "we hebben {small} kinderen",
            "er waren {count_digits} klachten vorige maand",
            "ik heb {small} containers nodig",
            "we kregen {count} aanvragen",
        ],
    },
    "opening": {
        "en": [
            "we are open from {open} to {close}",
            "opening hours are {hh_open}:00-{hh_close}:00",
            "monday to friday {open} thirty to {close} thirty",
            "the office opens at {open} and closes at {close}",
        ],
        "sv": [
            "vi har öppet {open} till {close}",
            "öppettiderna är {hh_open}.00–{hh_close}.00",
            "måndag till fredag mellan {open} och {close}",
            "kontoret öppnar klockan {open}",
        ],
        "nl": [
            "we zijn open van {open} tot {close}",
            "openingstijden {hh_open}.00-{hh_close}.00 uur",
            "maandag tot vrijdag van {open} tot {close} uur",
            "het loket gaat open om {open} uur",
        ],
    },
    "year and postcode": {
        "en": [
            "we moved here in {year}",
            "oh that is fine {hour} thirty then",
            "the one at {hour} is better",
            "the building is from {year}",
        ],
        "sv": [
            "vi flyttade hit {year}",
            "postnummer {postcode_se} stockholm",
            "jag har en fråga om {small} soptunnor",
            "huset byggdes {year}",
        ],
        "nl": [
            "we wonen hier sinds {year}",
            "postcode {postcode_nl} amsterdam",
            "ik heb een vraag over {small} containers",
            "het huis is van {year}",
        ],
    },
    "date": {
        "en": [
            "your appointment is on {day} {month} at {hour}",
            "on {dd}/{mo}/2026 at {hh}:{mm}",
            "the visit is {month} {day} twenty twenty six",
            "we booked 2026-{mo}-{dd}",
        ],
        "sv": [
            "ditt besök är den {day} {month} klockan {hour}",
            "den {dd}/{mo} 2026 kl {hh}.{mm}",
            "tiden är {month} tjugo tjugosex",
            "vi bokade 2026-{mo}-{dd}",
        ],
        "nl": [
            "uw afspraak is op {day} {month} om {hour} uur",
            "op {dd}-{mo}-2026 om {hh}:{mm}",
            "het bezoek is op {day} {month} tweeduizend zesentwintig",
            "geboekt op 2026-{mo}-{dd}",
        ],
    },
}
ROUNDS = 3  # each template with this many random fillings


def tracking_forms(rng: random.Random, language: str) -> tuple[str, str]:
    """A tracking number said or written after a cue (written, year said as a year, digit by
    digit), and without one (written, or with the year said as a year)."""
    year, sequence = rng.choice([2025, 2026, 2027]), rng.randrange(1, 1_000_000)
    digits = f"{sequence:06d}"
    written = f"{year}-{digits}"
    year_said = {
        "en": f"twenty {say(year % 100, 'en')}",
        "sv": f"tjugo {say(year % 100, 'sv')}",
        "nl": f"twintig {say(year % 100, 'nl')}",
    }[language]
    dash = {"en": "dash", "sv": "streck", "nl": "streepje"}[language]
    as_year = f"{year_said} {dash} {ungrouped(digits, language)}"
    by_digit = ungrouped(f"{year}{digits}", language)
    return rng.choice([written, as_year, by_digit]), rng.choice(
        [written, as_year, f"{year_said} {ungrouped(digits, language)}"]
    )


def fill(template: str, language: str, rng: random.Random) -> str:
    spoken = rng.random() < 0.6  # most numbers said in words, some in digits

    def n(value: int) -> str:
        return say(value, language) if spoken else str(value)

    hour, minute = rng.randrange(1, 12), rng.choice([10, 15, 20, 40, 45, 50])
    amount = rng.randrange(20, 25_000)
    tracking, tracking_nocue = tracking_forms(rng, language)
    values = {
        "tracking": tracking,
        "tracking_nocue": tracking_nocue,
        "hour": say(hour, language),
        "hour_n": n(rng.randrange(8, 18)),
        "minute": say(minute, language),
        "hh": f"{rng.randrange(7, 19):02d}",
        "mm": f"{minute:02d}",
        "amount": say(amount, language),
        "amount_digits": str(amount),
        "amount_spaced": f"{amount:,}".replace(",", " "),
        "cents": say(rng.randrange(1, 99), language),
        "cc": f"{rng.randrange(0, 99):02d}",
        "house": n(rng.randrange(1, 250)),
        "house_digits": str(rng.randrange(1, 250)),
        "small": n(rng.randrange(2, 12)),
        "flat": n(rng.randrange(1001, 1400)),
        "count": n(rng.randrange(12, 5000)),
        "count_digits": str(rng.randrange(12, 5000)),
        "open": n(rng.choice([7, 8, 9, 10])),
        "close": n(rng.choice([15, 16, 17, 18])) if language != "en" else n(rng.choice([3, 4, 5, 6])),
        "hh_open": f"{rng.choice([7, 8, 9]):02d}",
        "hh_close": str(rng.choice([15, 16, 17])),
        "day": n(rng.randrange(1, 29)),
        "dd": f"{rng.randrange(1, 29):02d}",
        "mo": f"{rng.randrange(1, 13):02d}",
        "month": rng.choice(MONTHS[language]),
        "year": n(rng.randrange(1950, 2027)),
        "postcode_se": f"{rng.randrange(100, 999)} {rng.randrange(10, 99)}",
        "postcode_nl": f"{rng.randrange(1000, 9999)} {rng.choice(['AB', 'CD', 'KL', 'XZ'])}",
    }
    return template.format(**values)


def corpus() -> list[tuple[str, str, str]]:
    """(category, language, utterance): reproducible (seed 19)."""
    rng = random.Random(19)
    found = []
    for category, by_language in TEMPLATES.items():
        for language, templates in by_language.items():
            for template in templates:
                for _ in range(ROUNDS):
                    found.append((category, language, fill(template, language, rng)))
    return found


def test_numbers_that_are_not_personal_stay():
    utterances = corpus()
    assert len(utterances) >= 200
    lost = []
    for category, language, text in utterances:
        call = transcript(("caller", text))
        redacted, redactions = redact_transcript(call)
        in_text = redact_text(text)
        if redactions or in_text.count:
            lost.append((category, language, text, [r["kind"] for r in redactions], in_text.kinds))
        else:
            assert redacted["text"] == text and in_text.text == text
    rate = len(lost) / len(utterances)
    print(f"\nfalse positives: {len(lost)} of {len(utterances)} utterances ({rate:.1%})")
    for item in lost:
        print("  lost:", item)
    assert rate < 0.02, lost


# -- the command ---------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path) -> str:
    """`qa privacy redact` touches no database; `run_qa` still names one."""
    return f"sqlite:///{tmp_path / 'qa.sqlite3'}"


def test_qa_privacy_redact_prints_the_transcript_redacted(tmp_path, database):
    call = transcript(
        ("agent", CUES[("sv", "national_id")]),
        ("caller", f"ja det är {grouped(PNR_WRONG, 'sv')} och mitt telefonnummer är {ungrouped('0701234567', 'sv')}"),
    )
    path = tmp_path / "call.json"
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    done = run_qa("privacy", "redact", str(path), "--countries", "SE,NL", "--json", database=database)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert [r["kind"] for r in printed["redactions"]] == ["national_id", "phone"]
    assert all(
        set(r) == {"kind", "start", "end", "speaker"} and r["speaker"] == "caller" for r in printed["redactions"]
    )
    assert printed["turns"][1]["text"] == "ja det är [personal number] och mitt telefonnummer är [phone number]"
    assert PNR_WRONG not in done.stdout and grouped(PNR_WRONG, "sv") not in done.stdout
    # Without --json: the turns, then how many of each kind.
    plain = run_qa("privacy", "redact", str(path), database=database)
    assert plain.returncode == 0, plain.stderr
    assert "[personal number]" in plain.stdout and "national_id: 1" in plain.stdout
    assert grouped(PNR_WRONG, "sv") not in plain.stdout


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("this is not json", "not JSON"),
        ('{"text": "hello"}', "turns"),
        ('[{"speaker": "agent"}]', "JSON object"),
        (None, "no such file"),
    ],
)
def test_qa_privacy_redact_refuses_what_is_not_a_transcript(tmp_path, database, content, reason):
    path = tmp_path / "call.json"
    if content is not None:
        path.write_text(content)
    done = run_qa("privacy", "redact", str(path), "--json", database=database)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: ") and reason in lines[0], done.stderr


def test_qa_privacy_redact_refuses_an_unknown_country(tmp_path, database):
    path = tmp_path / "call.json"
    path.write_text(json.dumps(transcript(("caller", "hello"))))
    done = run_qa("privacy", "redact", str(path), "--countries", "SE,XX", database=database)
    assert done.returncode != 0 and done.stderr.strip().startswith("qa: ") and "XX" in done.stderr
