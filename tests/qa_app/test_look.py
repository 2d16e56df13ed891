"""What every page shares (issue 18, "Everywhere"): a favicon, and a keyboard focus ring with at
least 3:1 contrast (WCAG 2.2, 2.4.13 / 1.4.11) against every light background a focusable
element sits on. (Dark fills, the blue buttons, are inside the ring: the ring, drawn 2 px
outside the element, sits on the page around it.)"""

from __future__ import annotations

import re
from pathlib import Path

from tests.web import HTML, login

CSS = (Path(__file__).resolve().parents[2] / "qa_app" / "static" / "app.css").read_text()


def luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_stands_out_on_every_light_background():
    ring = re.search(r":focus-visible \{[^}]*outline: \d+px solid (#[0-9a-fA-F]{3,6})", CSS).group(1)
    variables = dict(re.findall(r"--([a-z]+): (#[0-9a-fA-F]{3,6})", CSS))
    backgrounds = set(re.findall(r"background(?:-color)?: (#[0-9a-fA-F]{3,6})", CSS))
    backgrounds |= {variables[name] for name in re.findall(r"background(?:-color)?: var\(--([a-z]+)\)", CSS)}
    light = {b for b in backgrounds if luminance(b) > 0.4}
    assert "#fff" in light and variables["band"] in light  # the page and the header, at least
    assert {b: round(contrast(ring, b), 1) for b in light if contrast(ring, b) < 3} == {}


async def test_every_page_has_the_favicon(client, centre):
    await login(client, "qa@test.org")
    page = await client.get("/", headers=HTML)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")
