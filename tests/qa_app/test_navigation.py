"""Navigation per role (issue 17, Must show 4): no role sees more than seven links in a row;
the rest are in groups, whose links open under them and, on a page of the group, show in a
bar below the header with the current page marked."""

from __future__ import annotations

import re

import pytest

from tests.web import HTML, login

MOST = 7


def top_level(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', re.sub(r'<ul class="sub".*?</ul>', "", nav, flags=re.S))


@pytest.mark.parametrize("role", ["admin", "manager", "qa", "team_leader", "agent"])
async def test_no_role_sees_more_than_seven_links(client, centre, role):
    await login(client, f"{role}@test.org")
    home = await client.get("/", headers=HTML)
    links = top_level(home.text)
    assert 3 <= len(links) <= MOST, links
    assert links[0] == "Home"


async def test_the_group_of_the_page_shows_its_links_with_the_current_one_marked(client, centre):
    await login(client, "admin@test.org")
    page = await client.get("/calibration", headers=HTML)
    bar = re.search(r'<nav class="section-nav" aria-label="Quality">(.*?)</nav>', page.text, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", bar)[:3] == ["Marking", "Scorecards", "Calibration"]
    assert '<a href="/calibration" aria-current="page">Calibration</a>' in bar
    assert re.search(r'<li class="group current"><a href="/qa/queue" aria-current="true">Quality</a>', page.text)
    home = await client.get("/", headers=HTML)
    assert 'class="section-nav"' not in home.text  # no group is current on the home page
