"""Words of the centre's languages compared by their stems (Snowball's English, Swedish and Dutch
stemmers): "bins" and "bin", "avgifterna" and "avgift", "vergunningen" and "vergunning" are the
same word to a matcher; a shared start alone ("bin", "cabinet") is not."""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

LANGUAGES = ("english", "swedish", "dutch")
_STEMMERS = {language: snowballstemmer.stemmer(language) for language in LANGUAGES}


@lru_cache(maxsize=65536)
def stems(word: str) -> frozenset[str]:
    """The word's stem in each of the centre's languages (lower-cased)."""
    word = word.lower()
    return frozenset(stemmer.stemWord(word) for stemmer in _STEMMERS.values())


def same_word(a: str, b: str) -> bool:
    """Two words are the same when they share a stem in one of the languages."""
    return a.lower() == b.lower() or not stems(a).isdisjoint(stems(b))
