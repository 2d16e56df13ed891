"""Words compared by their Snowball stems in English, Swedish and Dutch."""

from kit.text import same_word


def test_inflections_of_one_word_are_the_same_word():
    assert same_word("bins", "bin") and same_word("collected", "collection")  # English
    assert same_word("sopkärlen", "sopkärl") and same_word("avgifterna", "avgift")  # Swedish
    assert same_word("vergunningen", "vergunning") and same_word("afvalbakken", "afvalbak")  # Dutch
    assert same_word("Bins", "BIN")


def test_different_words_stay_different():
    assert not same_word("bin", "cabinet")  # a shared start is not a shared stem
    assert not same_word("council", "counsel") and not same_word("street", "streetlight")
