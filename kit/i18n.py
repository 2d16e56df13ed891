"""Languages: which of the languages we have a person's browser prefers (its Accept-Language
header, weighed by its q-values, matched by Babel's locale negotiation: "sv-SE" finds "sv")."""

from __future__ import annotations

from collections.abc import Sequence

from babel.core import negotiate_locale


def preferred(accept_language: str | None) -> list[str]:
    """The header's languages, most wanted first; those with q=0 are refused, not wanted."""
    weighed = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighed.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighed)]


def negotiate(accept_language: str | None, available: Sequence[str]) -> str | None:
    """The best of `available` (codes such as "en", "sv") for this header, or None."""
    wanted = preferred(accept_language)
    if not wanted:
        return None
    return negotiate_locale(wanted, list(available), sep="-") or negotiate_locale(
        [tag.split("-")[0] for tag in wanted], list(available), sep="-"
    )
