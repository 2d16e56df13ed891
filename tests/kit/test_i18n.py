"""Accept-Language: the browser's most wanted language we have, by q-value, through Babel."""

from kit.i18n import negotiate, preferred

OURS = ["en", "sv", "nl"]


def test_the_most_wanted_language_wins_whatever_the_order_of_the_header():
    assert negotiate("en;q=0.2, sv-SE;q=0.9, de", OURS) == "sv"  # de (q=1) we lack; sv before en
    assert preferred("en;q=0.2, sv-SE;q=0.9, de") == ["de", "sv-SE", "en"]
    assert negotiate("nl-BE,nl;q=0.9", OURS) == "nl"
    assert negotiate("sv-FI", OURS) == "sv"


def test_refused_unknown_and_missing_languages_give_nothing():
    assert negotiate("sv;q=0, de", OURS) is None  # q=0 means "not this one"
    assert negotiate("fr-FR, de;q=0.5, *;q=0.1", OURS) is None
    assert negotiate("", OURS) is None and negotiate(None, OURS) is None
    assert negotiate("en;q=banana", OURS) is None
