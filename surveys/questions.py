"""The post-call survey's questions, in English, Swedish and Dutch, and the check of a
resident's answers (plain functions: no I/O).

Question kinds: `satisfaction` 1-5 (CSAT), `recommend` 0-10 (NPS), `effort` 1-7 (CES; 1 is
very easy), `resolved` yes/no/partly, `text` (a comment), `voice` (a spoken comment, an audio
file: see surveys/voice.py). Only satisfaction is required: a
resident who answers one question has still helped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kit import i18n
from qa_app.i18n import _

LANGUAGES = ("en", "sv", "nl")
DEFAULT_LANGUAGE = "en"
SURVEY_KEY = "post-call"
SURVEY_NAME = "After your call"

SCALES = {"satisfaction": (1, 5), "recommend": (0, 10), "effort": (1, 7)}
RESOLVED = ("yes", "partly", "no")
COMMENT_LIMIT = 2000

# Texts of the page around the questions, per language.
PAGE = {
    "en": {
        "title": "How did we do?",
        "intro": "You called the council recently. Your answers help us improve; they take a minute. "
        "You may leave out the questions marked optional.",
        "submit": "Send my answers",
        "thanks_title": "Thank you",
        "thanks": "Your answers have reached us. Thank you for helping us improve.",
        "used_title": "Your answers are already in",
        "used": "This link has been used already, so there is nothing more to do. Thank you for your answers.",
        "expired_title": "This link has expired",
        "expired": "This survey closed on {date}. Thank you for your time.",
        "unknown_title": "Link not found",
        "unknown": "This survey link is not valid. Please check that the whole link was copied.",
        "errors": "Please check the answer marked below.",
        "required": "Please choose an answer.",
        "invalid": "Please choose one of the answers given.",
        "too_long": "Please keep your comment under {limit} characters.",
        "optional": "optional",
        "language": "Language",
        "voice_bad": "Please choose a sound recording (such as .m4a, .mp3 or .wav) of up to 10 MB.",
        "voice_too_large": "The recording is {size} MB; a recording may be at most {limit} MB.",
        "voice_again": "Your other answers are kept: please attach your recording again.",
        "voice_reattach": "Your recording was not kept because another answer needs checking: please attach it again.",
        "voice_limit": "At most {limit} MB and {minutes} min.",
    },
    "sv": {
        "title": "Hur gick det?",
        "intro": "Du ringde nyligen till kommunen. Dina svar hjälper oss att bli bättre och tar en minut. "
        "Frågor märkta frivillig kan du hoppa över.",
        "submit": "Skicka mina svar",
        "thanks_title": "Tack",
        "thanks": "Dina svar har kommit fram. Tack för att du hjälper oss att bli bättre.",
        "used_title": "Dina svar har redan kommit in",
        "used": "Den här länken har redan använts, så du behöver inte göra något mer. Tack för dina svar.",
        "expired_title": "Länken har gått ut",
        "expired": "Enkäten stängde den {date}. Tack för din tid.",
        "unknown_title": "Länken hittades inte",
        "unknown": "Enkätlänken är inte giltig. Kontrollera att hela länken kom med.",
        "errors": "Kontrollera svaret som är markerat nedan.",
        "required": "Välj ett svar.",
        "invalid": "Välj ett av svarsalternativen.",
        "too_long": "Håll kommentaren under {limit} tecken.",
        "optional": "frivillig",
        "language": "Språk",
        "voice_bad": "Välj en ljudinspelning (till exempel .m4a, .mp3 eller .wav) på högst 10 MB.",
        "voice_too_large": "Inspelningen är {size} MB; en inspelning får vara högst {limit} MB.",
        "voice_again": "Dina andra svar finns kvar: bifoga din inspelning igen.",
        "voice_reattach": "Din inspelning sparades inte eftersom ett annat svar behöver ses över: bifoga den igen.",
        "voice_limit": "Högst {limit} MB och {minutes} min.",
    },
    "nl": {
        "title": "Hoe hebben we het gedaan?",
        "intro": "U belde onlangs met de gemeente. Uw antwoorden helpen ons beter te worden en kosten een "
        "minuut. Vragen met niet verplicht mag u overslaan.",
        "submit": "Mijn antwoorden versturen",
        "thanks_title": "Dank u wel",
        "thanks": "Uw antwoorden zijn bij ons aangekomen. Dank u voor uw hulp.",
        "used_title": "Uw antwoorden zijn al binnen",
        "used": "Deze link is al gebruikt, dus u hoeft niets meer te doen. Dank u voor uw antwoorden.",
        "expired_title": "Deze link is verlopen",
        "expired": "Deze enquête is gesloten op {date}. Dank u voor uw tijd.",
        "unknown_title": "Link niet gevonden",
        "unknown": "Deze enquêtelink is niet geldig. Controleer of de hele link is overgenomen.",
        "errors": "Controleer het antwoord dat hieronder is aangegeven.",
        "required": "Kies een antwoord.",
        "invalid": "Kies een van de gegeven antwoorden.",
        "too_long": "Houd uw opmerking korter dan {limit} tekens.",
        "optional": "niet verplicht",
        "language": "Taal",
        "voice_bad": "Kies een geluidsopname (bijvoorbeeld .m4a, .mp3 of .wav) van maximaal 10 MB.",
        "voice_too_large": "De opname is {size} MB; een opname mag maximaal {limit} MB zijn.",
        "voice_again": "Uw andere antwoorden zijn bewaard: voeg uw opname opnieuw toe.",
        "voice_reattach": "Uw opname is niet bewaard omdat een ander antwoord moet worden nagekeken: voeg hem "
        "opnieuw toe.",
        "voice_limit": "Maximaal {limit} MB en {minutes} min.",
    },
}

DEFAULT_SURVEY: dict[str, Any] = {
    "questions": [
        {
            "code": "satisfaction",
            "kind": "satisfaction",
            "required": True,
            "text": {
                "en": "How satisfied are you with how your call was handled?",
                "sv": "Hur nöjd är du med hur ditt samtal hanterades?",
                "nl": "Hoe tevreden bent u over hoe uw gesprek is afgehandeld?",
            },
            "labels": {
                "en": ["Very dissatisfied", "Dissatisfied", "Neither", "Satisfied", "Very satisfied"],
                "sv": ["Mycket missnöjd", "Missnöjd", "Varken eller", "Nöjd", "Mycket nöjd"],
                "nl": ["Zeer ontevreden", "Ontevreden", "Neutraal", "Tevreden", "Zeer tevreden"],
            },
        },
        {
            "code": "resolved",
            "kind": "resolved",
            "required": False,
            "text": {
                "en": "Was your question answered or your issue resolved?",
                "sv": "Fick du svar på din fråga eller hjälp med ditt ärende?",
                "nl": "Is uw vraag beantwoord of uw probleem opgelost?",
            },
            "labels": {
                "en": ["Yes", "Partly", "No"],
                "sv": ["Ja", "Delvis", "Nej"],
                "nl": ["Ja", "Gedeeltelijk", "Nee"],
            },
        },
        {
            "code": "effort",
            "kind": "effort",
            "required": False,
            "text": {
                "en": "How easy was it to get what you needed?",
                "sv": "Hur lätt var det att få det du behövde?",
                "nl": "Hoe makkelijk was het om te krijgen wat u nodig had?",
            },
            "labels": {
                "en": ["Very easy", "", "", "", "", "", "Very difficult"],
                "sv": ["Mycket lätt", "", "", "", "", "", "Mycket svårt"],
                "nl": ["Heel makkelijk", "", "", "", "", "", "Heel moeilijk"],
            },
        },
        {
            "code": "recommend",
            "kind": "recommend",
            "required": False,
            "text": {
                "en": "How likely are you to recommend calling us to a friend or neighbour?",
                "sv": "Hur troligt är det att du skulle rekommendera en vän eller granne att ringa oss?",
                "nl": "Hoe waarschijnlijk is het dat u een vriend of buur zou aanraden ons te bellen?",
            },
            "labels": {
                "en": ["Not at all likely"] + [""] * 9 + ["Extremely likely"],
                "sv": ["Inte alls troligt"] + [""] * 9 + ["Mycket troligt"],
                "nl": ["Helemaal niet waarschijnlijk"] + [""] * 9 + ["Zeer waarschijnlijk"],
            },
        },
        {
            "code": "comment",
            "kind": "text",
            "required": False,
            "text": {
                "en": "Anything you would like to tell us, or the person who helped you?",
                "sv": "Något du vill berätta för oss, eller för den som hjälpte dig?",
                "nl": "Wilt u ons, of degene die u heeft geholpen, nog iets laten weten?",
            },
        },
        {
            "code": "voice",
            "kind": "voice",
            "required": False,
            "text": {
                "en": "Or say it: a voice recording from your phone",
                "sv": "Eller säg det: en röstinspelning från din telefon",
                "nl": "Of zeg het: een spraakopname van uw telefoon",
            },
        },
    ]
}


def choose_language(asked: str | None, accept_language: str | None, invitation_language: str = "") -> str:
    """The link's `?lang=`, else the invitation's, else the one the browser prefers most."""
    for candidate in (asked, invitation_language):
        if candidate and candidate.lower()[:2] in LANGUAGES:
            return candidate.lower()[:2]
    return i18n.negotiate(accept_language, list(LANGUAGES)) or DEFAULT_LANGUAGE


def options(question: Mapping[str, Any], language: str) -> list[tuple[str, str]]:
    """(value, label) pairs for a closed question, in the resident's language."""
    kind = question["kind"]
    labels = question.get("labels", {}).get(language) or question.get("labels", {}).get(DEFAULT_LANGUAGE, [])
    if kind == "resolved":
        return list(zip(RESOLVED, labels, strict=False))
    low, high = SCALES[kind]
    values = [str(v) for v in range(low, high + 1)]
    return [(v, labels[i] if i < len(labels) else "") for i, v in enumerate(values)]


def check_answers(
    definition: Mapping[str, Any], form: Mapping[str, str], language: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers as stored (numbers, yes/partly/no, text), and an error message per question
    code in the resident's language."""
    texts = PAGE[language]
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in definition["questions"]:
        code, kind = question["code"], question["kind"]
        if kind == "voice":  # a file: checked and kept by surveys/voice.py
            continue
        raw = (form.get(code) or "").strip()
        if not raw:
            if question.get("required"):
                errors[code] = texts["required"]
            continue
        if kind == "text":
            if len(raw) > COMMENT_LIMIT:
                errors[code] = texts["too_long"].format(limit=COMMENT_LIMIT)
            else:
                answers[code] = raw
        elif kind == "resolved":
            if raw in RESOLVED:
                answers[code] = raw
            else:
                errors[code] = texts["invalid"]
        else:
            low, high = SCALES[kind]
            if raw.isdigit() and low <= int(raw) <= high:
                answers[code] = int(raw)
            else:
                errors[code] = texts["invalid"]
    return answers, errors


PRAISE_WORDS = (
    "thank",
    "thanks",
    "helpful",
    "friendly",
    "kind",
    "patient",
    "great",
    "excellent",
    "brilliant",
    "lovely",
    "tack",
    "vänlig",
    "trevlig",
    "hjälpsam",
    "jättebra",
    "toppen",
    "bedankt",
    "dank",
    "vriendelijk",
    "behulpzaam",
    "geweldig",
    "prima",
    "top",
)
COMPLAINT_WORDS = ("not", "never", "rude", "inte", "aldrig", "niet", "nooit", "onbeleefd", "unhelpful", "otrevlig")


def is_praise(comment: str, satisfaction: int | None) -> bool:
    """A comment that thanks or praises, from a satisfied resident: shown to the agent and the
    team as kudos. Deliberately cautious: a comment with a negation is never counted."""
    words = comment.lower().replace(",", " ").replace(".", " ").replace("!", " ").split()
    if not words or (satisfaction is not None and satisfaction < 4):
        return False
    if any(w in COMPLAINT_WORDS for w in words):
        return False
    return any(w.startswith(p) for w in words for p in PRAISE_WORDS)


KINDS = ("satisfaction", "resolved", "effort", "recommend", "text", "voice")
# Each kind fills one column of the response (and so the figures), so its code is fixed.
CODES = {
    "satisfaction": "satisfaction",
    "resolved": "resolved",
    "effort": "effort",
    "recommend": "recommend",
    "text": "comment",
    "voice": "voice",
}
LABEL_COUNTS = {"satisfaction": 5, "resolved": 3, "effort": 7, "recommend": 11}


def definition_problems(definition: Any) -> list[str]:
    """What is wrong with a survey definition, each with its place; [] when it can be published
    (in the staff's language: the page that publishes shows them)."""
    return [message for _field, message in definition_problems_by_field(definition)]


def definition_problems_by_field(definition: Any) -> list[tuple[str, str]]:
    """The problems of `definition_problems`, each with the field it concerns, so that a form can
    show it beside that field: "questions.<i>.<part>" (i from 0; part is kind, code, required,
    text.<language> or labels.<language>), or "questions" for the survey as a whole."""
    if not isinstance(definition, Mapping) or not isinstance(definition.get("questions"), list):
        return [("questions", _('the survey is {"questions": [...]}'))]
    questions = definition["questions"]
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, question in enumerate(questions):
        number, place = index + 1, f"questions.{index}"
        if not isinstance(question, Mapping):
            problems.append((place, _("question %(number)s: not an object") % {"number": number}))
            continue
        kind = question.get("kind")
        if kind not in KINDS:
            problems.append(
                (
                    f"{place}.kind",
                    _("question %(number)s: kind must be one of %(kinds)s")
                    % {"number": number, "kinds": ", ".join(KINDS)},
                )
            )
            continue
        if question.get("code") != CODES[kind]:
            problems.append(
                (
                    f"{place}.code",
                    _("question %(number)s: a %(kind)s question has the code %(code)s")
                    % {"number": number, "kind": kind, "code": repr(CODES[kind])},
                )
            )
        if kind in seen:
            problems.append(
                (
                    f"{place}.kind",
                    _("question %(number)s: only one %(kind)s question") % {"number": number, "kind": kind},
                )
            )
        seen.add(kind)
        if not isinstance(question.get("required", False), bool):
            problems.append(
                (f"{place}.required", _("question %(number)s: required is true or false") % {"number": number})
            )
        texts = question.get("text")
        for language in LANGUAGES:
            if not isinstance(texts, Mapping) or not str(texts.get(language, "")).strip():
                problems.append(
                    (
                        f"{place}.text.{language}",
                        _("question %(number)s: the text in %(language)s is missing")
                        % {"number": number, "language": language},
                    )
                )
        if kind in LABEL_COUNTS and "labels" in question:
            for language in LANGUAGES:
                labels = question["labels"].get(language) if isinstance(question["labels"], Mapping) else None
                if not isinstance(labels, list) or len(labels) != LABEL_COUNTS[kind]:
                    problems.append(
                        (
                            f"{place}.labels.{language}",
                            _("question %(number)s: %(count)s labels in %(language)s (empty ones allowed)")
                            % {"number": number, "count": LABEL_COUNTS[kind], "language": language},
                        )
                    )
    if "satisfaction" not in seen:
        problems.append(("questions", _("the survey needs its satisfaction question (CSAT is read from it)")))
    elif questions and isinstance(questions[0], Mapping) and questions[0].get("kind") != "satisfaction":
        first = next(i for i, q in enumerate(questions) if isinstance(q, Mapping) and q.get("kind") == "satisfaction")
        problems.append(
            (
                f"questions.{first}.kind",
                _("the satisfaction question comes first: a resident who answers one question answers it"),
            )
        )
    return problems
