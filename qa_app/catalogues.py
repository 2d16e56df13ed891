"""The translation catalogues: each installed package's marked texts extracted from its Python
and its templates (Babel's extractors, Jinja's for templates), kept per package in
`<package>/locale/messages.pot` and `<package>/locale/<language>/LC_MESSAGES/messages.po`, and
compiled into `.mo` files by the install (`qa i18n compile`). The README's "Adding a language"
says how a centre adds one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from qa_app import i18n, packages

METHODS = [
    ("**/locale/**", "ignore"),
    ("**/piccolo_migrations/**", "ignore"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**/templates/**.txt", "jinja2.ext:babel_extract"),
    ("**/templates/**.ics", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
COMMENT_TAGS = ("Translators:",)


@dataclass
class Report:
    package: str
    language: str
    messages: int
    untranslated: list[str]
    fuzzy: list[str]


def folder(package: str) -> Path:
    return next(p.folder for p in packages.installed() if p.name == package) / "locale"


def extract(package: str) -> Catalog:
    """The package's marked texts, as they are in the source now."""
    root = folder(package).parent
    catalog = Catalog(project="contact-centre-qa", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        root,
        method_map=METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(f"{package}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(package: str, language: str) -> Path:
    return folder(package) / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def read(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_by_file=False, include_previous=False)


def update(package: str, languages: Iterable[str] = i18n.TRANSLATED) -> dict[str, int]:
    """Write the package's template and bring each language's catalogue up to date: new texts
    added untranslated, texts gone from the source dropped. Returns the untranslated counts."""
    template = extract(package)
    if not len(template):
        return {}
    template.revision_date = template.creation_date = datetime(2026, 1, 1, tzinfo=timezone.utc)
    write(folder(package) / "messages.pot", template)
    counts = {}
    for language in languages:
        path = po_path(package, language)
        if path.exists():
            catalog = read(path, language)
        else:
            catalog = Catalog(locale=Locale.parse(language), project="contact-centre-qa", charset="utf-8", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        write(path, catalog)
        counts[language] = sum(1 for m in catalog if m.id and not _translated(m))
    return counts


def _translated(message) -> bool:
    return all(message.string) if isinstance(message.string, tuple) else bool(message.string)


def compile_all() -> list[Path]:
    """A .mo beside every package's .po."""
    made = []
    for package in packages.installed():
        for po in sorted(folder(package.name).glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po")):
            catalog = read(po, po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            made.append(po.with_suffix(".mo"))
    i18n.translations.cache_clear()
    return made


def check(package: str, language: str, source: Catalog | None = None) -> Report:
    """How complete a package's catalogue in `language` is against its source as it is now
    (`source`: its texts extracted already)."""
    source = source if source is not None else extract(package)
    path = po_path(package, language)
    catalog = read(path, language) if path.exists() else Catalog(locale=Locale.parse(language))
    untranslated, fuzzy = [], []
    for message in source:
        if not message.id:
            continue
        translated = catalog.get(message.id, context=message.context)
        if (
            translated is None
            or not translated.string
            or (isinstance(translated.string, tuple) and not all(translated.string))
        ):
            untranslated.append(message.id if isinstance(message.id, str) else message.id[0])
        elif translated.fuzzy:
            fuzzy.append(message.id if isinstance(message.id, str) else message.id[0])
    return Report(package, language, len(source), untranslated, fuzzy)
