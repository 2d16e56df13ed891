"""The audit log page (organisation/admin.py): changes as readable before → after rows, a
search, and pages with the total."""

from __future__ import annotations

import re

from qa_app import audit
from qa_app.tables import AuditLog
from tests.web import HTML, login


def rows_of(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


async def test_changes_read_as_before_and_after(client, centre):
    admin, qa = centre["users"]["admin"], centre["users"]["qa"]
    await audit.record(admin, "update", "user", qa, role=["qa", "manager"], active=[True, False])
    await audit.record(None, "directory_update", "user", qa, name={"from": "Old Name", "to": "New Name"}, by="oidc")
    await login(client, "admin@test.org")
    page = await client.get("/admin/audit", headers=HTML)
    assert page.status_code == 200
    rows = rows_of(page.text)
    update = next(r for r in rows if "update</code>" in r and "directory" not in r)
    assert re.search(r"Role:</span> <del>Quality assurance</del>.*?→.*?<ins>Manager</ins>", update, re.S)
    assert re.search(r"Active:</span> <del>yes</del>.*?<ins>no</ins>", update, re.S)
    assert "admin@test.org" in update and "Changed" in update
    directory = next(r for r in rows if "directory_update" in r)
    assert re.search(r"Name:</span> <del>Old Name</del>.*?<ins>New Name</ins>", directory, re.S)
    assert "<code>by</code>:</span> <code>oidc</code>" in directory and "system" in directory
    assert '["qa", "manager"]' not in page.text and "&#34;from&#34;" not in page.text  # no raw JSON


async def test_search_finds_actions_records_and_users(client, centre):
    admin, qa = centre["users"]["admin"], centre["users"]["qa"]
    await audit.record(admin, "make_reset_link", "user", qa)
    await audit.record(qa, "submit", "evaluation", 4242, score=0.9)
    await audit.record(None, "erase contacts", "case", "", cases=3)
    await login(client, "admin@test.org")

    async def found(query: str) -> list[str]:
        page = await client.get("/admin/audit", params={"q": query}, headers=HTML)
        assert page.status_code == 200
        return rows_of(page.text)

    by_action = await found("RESET_link")
    assert len(by_action) == 1 and "Made a password reset link" in by_action[0]
    by_record = await found("4242")
    assert len(by_record) == 1 and "evaluation" in by_record[0]
    by_kind = await found("case")
    assert len(by_kind) == 1 and "erase contacts" in by_kind[0]
    by_user = await found("qa@test.org")
    assert len(by_user) == 1 and "4242" in by_user[0]
    nothing = await client.get("/admin/audit", params={"q": "nothing like this"}, headers=HTML)
    assert "No entry matches." in nothing.text and not rows_of(nothing.text)


async def test_pages_of_fifty_newest_first_with_the_total(client, centre):
    admin = centre["users"]["admin"]
    await login(client, "admin@test.org")
    for number in range(120):
        await audit.record(admin, "create", "team", f"t{number}")
    total = await AuditLog.count()
    first = await client.get("/admin/audit", headers=HTML)
    assert f"{total} entries." in first.text and "Showing 1–50" in first.text
    shown = re.findall(r"</code> (t\d+)</td>", first.text)
    assert shown == [f"t{n}" for n in range(119, 69, -1)]
    third = await client.get("/admin/audit", params={"page": "3"}, headers=HTML)
    assert f"Showing 101–{total}" in third.text
    assert re.findall(r"</code> (t\d+)</td>", third.text)[-1] == "t0"
    searched = await client.get("/admin/audit", params={"q": "team", "page": "2"}, headers=HTML)
    assert 'href="/admin/audit?q=team&amp;page=3"' in searched.text and 'href="/admin/audit?q=team"' in searched.text
    assert (await client.get("/admin/audit", params={"page": "junk"}, headers=HTML)).status_code == 200


async def test_only_administrators_read_the_log(client):
    await login(client, "manager@test.org")
    assert (await client.get("/admin/audit", params={"q": "x"}, headers=HTML)).status_code == 403


async def test_a_list_of_two_is_a_change_only_in_an_update(client, centre):
    await audit.record(centre["users"]["qa"], "dispute", "evaluation", 7, criteria=["greeting", "courtesy"])
    await login(client, "admin@test.org")
    (row,) = [r for r in rows_of((await client.get("/admin/audit", headers=HTML)).text) if "dispute" in r]
    assert "<del>" not in row and "greeting" in re.search(r"<code>(\[.*?\])</code>", row).group(1)
