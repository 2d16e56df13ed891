"""The resident's survey on a cheap phone (issue 18): Chromium at 360×640, as an SMS link opens.

Each rating scale is one row of equal cells at least 44 px tall with its end labels under its
ends, the language links and the file button are at least 44 px tall, and nothing is wider than
the screen, in each language. A 12 MB voice file comes back as the survey page's own error in
Swedish with every other answer still filled in; attached again smaller, the answer goes in. The
council's name and logo head the survey and thank-you pages. axe-core finds no serious or
critical violation on any page visited. Screenshots of each page are kept in the test's tmp
folder (their paths are printed) to be looked at as a resident would."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.browser.accessibility import serious_violations
from tests.surveys.test_resident_page import png, silence_wav

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
COUNCIL = "Municipality of Eastbrook"
MIN_TARGET = 44


@pytest.fixture
def live_app(new_live_app, tmp_path):
    """The app with the council's name and logo set (QA_COUNCIL_NAME, QA_COUNCIL_LOGO)."""
    app = new_live_app(start=False)
    logo = tmp_path / "council.png"
    logo.write_bytes(png(96, 48))
    app.extra_env.update(QA_COUNCIL_NAME=COUNCIL, QA_COUNCIL_LOGO=str(logo))
    return app.start()


def _survey_link(live_app) -> str:
    live_app.add_agent("1001", "Robin Agent")
    offered = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    live_app.add_call("1001", external_id="call-1", offered_at=offered)

    async def invite() -> str:
        from surveys import invitations

        now = datetime.now(timezone.utc)
        (link,) = await invitations.create_invitations(now - timedelta(days=3), now, channel="sms")
        return link.token

    return f"/s/{live_app.run(invite)}"


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def _check_layout(page, label: str) -> None:
    """The sizes a thumb needs on this screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{label}: wider than the screen"
    scales = page.locator("fieldset .scale")
    assert scales.count() == 2, label  # effort and recommend
    for index in range(scales.count()):
        scale = scales.nth(index)
        cells = [_box(cell) for cell in scale.locator(".cell span").all()]
        assert len(cells) in (7, 11), label
        first, last = cells[0], cells[-1]
        for cell in cells:
            assert abs(cell["y"] - first["y"]) < 1, f"{label}: scale {index} wraps: {cells}"
            assert cell["height"] >= MIN_TARGET, f"{label}: a cell is {cell['height']} px tall"
            assert abs(cell["width"] - first["width"]) < 1, f"{label}: cells differ in width: {cells}"
        assert last["x"] + last["width"] <= 360, label
        # The whole cell is the radio button's target.
        radio = _box(scale.locator("input").first)
        assert radio["height"] >= MIN_TARGET and radio["width"] >= first["width"] - 1, label
        ends = scale.locator("xpath=following-sibling::div[@class='ends'][1]/span")
        low, high = _box(ends.first), _box(ends.last)
        assert low["y"] >= first["y"] + first["height"], f"{label}: end labels not under the row"
        assert abs(low["x"] - first["x"]) < 2, f"{label}: the low end label is not under the first cell"
        assert abs((high["x"] + high["width"]) - (last["x"] + last["width"])) < 2, (
            f"{label}: the high end label is not under the last cell"
        )
    for choice in page.locator(".choices label").all():
        assert _box(choice)["height"] >= MIN_TARGET, label
    for link in page.locator(".languages a").all():
        assert _box(link)["height"] >= MIN_TARGET and _box(link)["width"] >= MIN_TARGET, label
    assert _box(page.locator('input[type="file"]'))["height"] >= MIN_TARGET, label
    assert _box(page.locator('button[type="submit"]'))["height"] >= MIN_TARGET, label


def _council_shown(page) -> None:
    assert page.locator("header.council .council-name").inner_text() == COUNCIL
    logo = page.locator("header.council img.logo")
    assert logo.evaluate("image => image.complete && image.naturalWidth") == 96  # the logo loaded


def test_every_scale_is_one_row_of_large_cells_on_a_360_pixel_screen(live_app, new_context, tmp_path):
    link = _survey_link(live_app)
    page = new_context(**PHONE).new_page()
    problems = []
    for language in ("en", "sv", "nl"):
        page.goto(f"{link}?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        _council_shown(page)
        _check_layout(page, language)
        page.screenshot(path=tmp_path / f"survey-{language}.png", full_page=True)
        problems += serious_violations(page, f"survey page ({language})")
    print(f"screenshots in {tmp_path}")
    assert not problems, "\n".join(problems)


def test_a_12_mb_voice_file_gets_the_pages_own_error_in_swedish_with_the_answers_kept(live_app, new_context, tmp_path):
    link = _survey_link(live_app)
    page = new_context(**PHONE, locale="sv-SE").new_page()
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "sv"
    # The limit is beside the button.
    assert page.locator("#h-voice").inner_text() == "Högst 10 MB och 5 min."
    page.locator('input[name="satisfaction"][value="2"]').check()
    page.get_by_label("Delvis", exact=True).check()
    page.locator('#q-effort .cell:has(input[value="6"])').click()
    page.locator('#q-recommend .cell:has(input[value="3"])').click()
    page.locator("textarea").fill("Jag fick vänta länge på svar.")
    page.locator('input[type="file"]').set_input_files(
        {"name": "röstmeddelande.m4a", "mimeType": "audio/mp4", "buffer": b"\x00" * (12 * 1024 * 1024)}
    )
    page.get_by_role("button", name="Skicka mina svar").click()
    page.wait_for_load_state()

    # The survey page itself, in Swedish, with its error at the file field and in the summary.
    assert page.locator("h1").inner_text() == "Hur gick det?"
    assert page.locator("html").get_attribute("lang") == "sv"
    error = page.locator("#e-voice")
    assert error.inner_text() == (
        "Inspelningen är 12 MB; en inspelning får vara högst 10 MB. "
        "Dina andra svar finns kvar: bifoga din inspelning igen."
    )
    assert "bifoga din inspelning igen" in page.locator("#errors").inner_text()
    assert page.locator('input[name="satisfaction"][value="2"]').is_checked()
    assert page.locator('input[name="resolved"][value="partly"]').is_checked()
    assert page.locator('input[name="effort"][value="6"]').is_checked()
    assert page.locator('input[name="recommend"][value="3"]').is_checked()
    assert page.locator("textarea").input_value() == "Jag fick vänta länge på svar."
    _council_shown(page)
    _check_layout(page, "with the recording's error")
    page.screenshot(path=tmp_path / "survey-sv-too-large.png", full_page=True)
    error.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "survey-sv-too-large-at-the-field.png")
    problems = serious_violations(page, "survey page with the recording's error")

    # Attached again, smaller: the answer goes in, thanked in Swedish under the council's name.
    page.locator('input[type="file"]').set_input_files(
        {"name": "röstmeddelande.wav", "mimeType": "audio/wav", "buffer": silence_wav()}
    )
    page.get_by_role("button", name="Skicka mina svar").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Tack"
    _council_shown(page)
    page.screenshot(path=tmp_path / "thanks-sv.png", full_page=True)
    problems += serious_violations(page, "thank-you page")

    # The link again, from a browser that prefers English: still Swedish.
    other = new_context(**PHONE, locale="en-GB").new_page()
    other.goto(link)
    assert other.locator("h1").inner_text() == "Dina svar har redan kommit in"
    _council_shown(other)
    other.screenshot(path=tmp_path / "used-sv.png", full_page=True)
    problems += serious_violations(other, "used link")
    print(f"screenshots in {tmp_path}")
    assert not problems, "\n".join(problems)
