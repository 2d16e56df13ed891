"""The catalogues are complete and sound (issue 21, Must show 2): every text marked in every
package's source (as it is now, not as the .pot last said) has a Swedish and a Dutch
translation, each keeps the placeholders of its English text, and every catalogue compiles."""

from __future__ import annotations

import io
import re
from functools import cache

import pytest
from babel.messages.mofile import write_mo

from qa_app import catalogues, i18n, packages

PACKAGES = [package.name for package in packages.installed()]


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    """The named placeholders of a text (%(name)s, {name}); a bare "%" is a percent sign."""
    return {a or b for a, b in PLACEHOLDER.findall(text)}


@cache
def source(package: str):
    return catalogues.extract(package)


@pytest.mark.parametrize("language", i18n.TRANSLATED)
@pytest.mark.parametrize("package", PACKAGES)
def test_every_marked_text_is_translated(package, language):
    report = catalogues.check(package, language, source(package))
    assert report.untranslated == [], f"{len(report.untranslated)} of {report.messages} untranslated"
    assert report.fuzzy == []


@pytest.mark.parametrize("language", i18n.TRANSLATED)
@pytest.mark.parametrize("package", PACKAGES)
def test_the_catalogue_keeps_placeholders_and_compiles(package, language):
    path = catalogues.po_path(package, language)
    if not source(package):  # a package with no text of its own has no catalogue
        assert not path.exists()
        return
    catalog = catalogues.read(path, language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            found = placeholders(string)
            # a plural's singular may say "one" instead of %(num)d; nothing may be made up or lost otherwise
            if not found <= wanted or (len(ids) == 1 and found != wanted):
                problems.append((ids[0], string))
    assert problems == []
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    assert buffer.getvalue()


def test_a_translation_is_used_and_english_is_the_source():
    with i18n.using("sv"):
        assert i18n.gettext("Log out") == "Logga ut"
        assert i18n.gettext("a text no catalogue has") == "a text no catalogue has"
    with i18n.using("en"):
        assert i18n.gettext("Log out") == "Log out"
    with i18n.using("qps"):
        assert i18n.gettext("Log out") == "⟦Ŀöğ öüŧ⟧"


@pytest.mark.parametrize("language", i18n.TRANSLATED)
def test_one_english_text_has_one_translation_across_packages(language):
    """The packages' catalogues are merged into one: a text two packages translate differently
    would show one package's wording on the other's pages. Where the meanings differ, a
    context (pgettext) keeps them apart."""
    seen: dict[tuple, dict[str, str]] = {}
    for package in PACKAGES:
        path = catalogues.po_path(package, language)
        if not path.exists():
            continue
        for message in catalogues.read(path, language):
            if message.id and message.string:
                key = (message.context, message.id if isinstance(message.id, str) else tuple(message.id))
                seen.setdefault(key, {})[package] = (
                    message.string if isinstance(message.string, str) else " | ".join(message.string)
                )
    differing = {key: by_package for key, by_package in seen.items() if len(set(by_package.values())) > 1}
    assert differing == {}
