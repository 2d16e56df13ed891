"""The staff's language: which one a page, an email or a report is in, and the translated texts.

The product's own texts are marked in the source, `_("…")` in Python and in templates,
`ngettext` for plurals, `_l("…")` for texts defined once at import (navigation labels, role
names) that are translated each time they are shown. Each installed package keeps its catalogue
beside its code, `<package>/locale/<language>/LC_MESSAGES/messages.po`; `qa i18n extract`
brings them up to date from the source, `qa i18n compile` (run by the install) makes the `.mo`
files, and the app merges every package's catalogue into one per language. What the centre
wrote (scorecards, survey questions, service names) is data and is never translated.

Which language: the signed-in user's choice, otherwise the centre's (`QA_LANGUAGE`), otherwise
the browser's, otherwise English. The current language lives in a context variable, set per
request by the app and by `using()` for an email, a report or a command.

`qps` is a pseudo-language for finding unmarked text: every translated text is shown as
"⟦Ŧëxŧ⟧", so anything on a page outside those marks was not marked for translation (the
pseudo-locale test renders every page in it). Its formats are English ones.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

from kit import i18n as negotiation
from qa_app.settings import LANGUAGES, PSEUDO, get_settings

TRANSLATED = ("sv", "nl")  # the languages with catalogues (English is the source)
SOURCE = "en"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("language", default=SOURCE)


def current() -> str:
    return _current.get()


def set_current(language: str) -> None:
    """The language of what is made from here on in this task (a request, a command)."""
    _current.set(language if language in LANGUAGES or language == PSEUDO else SOURCE)


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Make something (an email to one user, a report) in `language`; the default when None or
    unknown."""
    language = language if language in LANGUAGES or language == PSEUDO else default_language()
    token = _current.set(language)
    try:
        yield language
    finally:
        _current.reset(token)


def default_language() -> str:
    """The centre's language (QA_LANGUAGE), English when unset."""
    return get_settings().language or SOURCE


def choose(user_language: str | None, accept_language: str | None) -> str:
    """The language of a page: the user's own choice, the centre's, the browser's, English."""
    if user_language and (user_language in LANGUAGES or user_language == PSEUDO):
        return user_language
    centre = get_settings().language
    if centre:
        return centre
    return negotiation.negotiate(accept_language, list(LANGUAGES)) or SOURCE


def babel_locale(language: str | None = None) -> Locale:
    """The locale whose formats (dates, numbers) go with a language."""
    language = language or current()
    return Locale.parse(SOURCE if language == PSEUDO else language)


# --- catalogues ---------------------------------------------------------------------------------


def locale_folders() -> list[Path]:
    from qa_app import packages

    return [package.folder / "locale" for package in packages.installed()]


def _load(po: Path) -> Translations:
    """One package's compiled catalogue; read from its .po when the .mo is missing or older
    (a checkout where `qa i18n compile` has not run yet)."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def translations(language: str) -> NullTranslations:
    if language == PSEUDO:
        return PseudoTranslations()
    merged: Translations | None = None
    for folder in locale_folders():
        po = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.exists():
            continue
        catalogue = _load(po)
        if merged is None:
            merged = catalogue
        else:
            merged.merge(catalogue)
    return merged or NullTranslations()


def gettext(message: str) -> str:
    language = _current.get()
    return message if language == SOURCE else translations(language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    language = _current.get()
    if language == SOURCE:
        return singular if n == 1 else plural
    return translations(language).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    language = _current.get()
    return message if language == SOURCE else translations(language).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    language = _current.get()
    if language == SOURCE:
        return singular if n == 1 else plural
    return translations(language).npgettext(context, singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """A text defined at import and translated each time it is shown (in the language of then)."""
    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext
_l = lazy_gettext


# --- the pseudo-language ------------------------------------------------------------------------

OPEN, CLOSE = "⟦", "⟧"
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ȧƀçđëƒğħïĵķŀḿñöƥɋŕşŧüṽẇẋÿžȦƁÇĐËƑĞĦÏĴĶĿḾÑÖƤɊŔŞŦÜṼẆẊŸŽ",
)


def pseudo(message: str) -> str:
    """ "Save %(n)s calls" → "⟦Şȧṽë %(n)s çȧŀŀş⟧": letters accented, except inside placeholders
    (%(name)s, {name}) and HTML tags, which must stay as they are."""
    out, i = [], 0
    while i < len(message):
        ch = message[i]
        if ch == "%" and i + 1 < len(message):
            if message[i + 1] == "(":
                end = message.find(")", i)
                j = end + 1
                while j < len(message) and not message[j].isalpha():
                    j += 1
                out.append(message[i : j + 1])
                i = j + 1
                continue
            out.append(message[i : i + 2])
            i += 2
            continue
        if ch in "{<":
            end = message.find("}" if ch == "{" else ">", i)
            if end != -1:
                out.append(message[i : end + 1])
                i = end + 1
                continue
        out.append(ch.translate(_ACCENTED))
        i += 1
    return OPEN + "".join(out) + CLOSE


class PseudoTranslations(NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return pseudo(singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return pseudo(singular if n == 1 else plural)


def install(env) -> None:
    """Translated texts in a Jinja environment (the app's and the reports'): `_()`, `ngettext()`,
    `pgettext()` and `{% trans %}`, in the new style (variables as keywords, escaped)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)
    env.globals.update(current_language=current, languages=LANGUAGES)
