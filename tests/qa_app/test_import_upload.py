"""Importing a call file from the browser: the same checks and line-numbered errors as
`qa import calls`, a page per run, a size limit, and only administrators and managers."""

from __future__ import annotations

import re

import pytest

from organisation.import_routes import UPLOAD_LIMIT
from qa_app.settings import get_settings
from qa_app.tables import Call, ImportRun
from tests.web import HTML, csrf_from, login

HEADER = "external_id,offered_at,agent,answered_at,ended_at,recording\n"


def _csv(count: int, bad_line: int | None = None, bad: str = "") -> str:
    """`count` good calls of agents 1-3; line `bad_line` (the header is line 1) replaced by `bad`."""
    lines = [HEADER]
    for index in range(count):
        minute = 10 + index
        lines.append(
            f"up{index},2026-09-01 08:{minute:02d}:00,{index % 3 + 1},2026-09-01 08:{minute:02d}:20,"
            f"2026-09-01 08:{minute:02d}:50,\n"
        )
    if bad_line is not None:
        lines.insert(bad_line - 1, bad + "\n")
    return "".join(lines)


async def _post(client, text: str | bytes, fields: dict[str, str] | None = None, name: str = "calls.csv"):
    page = await client.get("/admin/imports", headers=HTML)
    data = {"_csrf_token": csrf_from(page.text), "format": "csv"} | (fields or {})
    return await client.post(
        "/admin/imports", data=data, files={"file": (name, text, "text/csv")}, headers=HTML, follow_redirects=False
    )


async def _imported() -> int:
    return await Call.count().where(Call.external_id.like("up%"))


async def test_a_good_csv_imports_every_call_and_shows_its_run(client):
    await login(client, "admin@test.org")
    response = await _post(client, _csv(12))
    assert response.status_code in (302, 303), response.text[:400]
    run_page = response.headers["location"]
    assert re.fullmatch(r"/admin/imports/\d+", run_page)
    assert await _imported() == 12
    run = await ImportRun.select().order_by(ImportRun.id, ascending=False).output(load_json=True).first()
    assert run["kind"] == "calls:csv" and run["file_name"] == "calls.csv"
    page = await client.get(run_page, headers=HTML)
    assert page.status_code == 200
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', page.text))
    assert counts["Read"] == "12" and counts["Created"] == "12" and counts["Rejected"] == "0"
    assert "Imported: every row was taken in." in page.text
    listing = await client.get("/admin/imports", headers=HTML)
    assert f'href="{run_page}"' in listing.text
    # Nothing of the upload is left behind in the data folder.
    uploads = get_settings().data_dir / "uploads" / "imports"
    assert not any(p.is_file() for p in uploads.rglob("*"))


async def test_a_bad_row_is_reported_with_its_line_and_the_others_are_imported(client):
    await login(client, "manager@test.org")
    text = _csv(9, bad_line=5, bad="broken,not a time,1,,,")
    response = await _post(client, text, {"skip_invalid": "yes"})
    assert response.status_code in (302, 303), response.text[:400]
    assert await _imported() == 9
    page = (await client.get(response.headers["location"], headers=HTML)).text
    assert "Imported, except the rows listed below." in page
    assert re.search(r"line 5</td><td>offered_at is not an ISO 8601 time", page)
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', page))
    assert counts["Read"] == "10" and counts["Created"] == "9" and counts["Rejected"] == "1"


async def test_without_skipping_a_bad_row_nothing_is_imported_and_every_bad_line_is_listed(client):
    await login(client, "admin@test.org")
    text = _csv(6, bad_line=3, bad="b1,2026-09-01 08:00:00,999,,,")
    text += "b2,2026-09-01 09:00:00,1,,,../../etc/passwd\n"  # line 9: a recording outside the folder
    response = await _post(client, text, {"timezone": "Europe/Stockholm"})
    assert response.status_code == 400
    assert await _imported() == 0
    assert "Nothing was imported" in response.text
    assert re.search(r"line 3</td><td>unknown agent &#39;999&#39;", response.text)
    assert re.search(r"line 9</td><td>the recording &#39;../../etc/passwd&#39; is not a path inside", response.text)


async def test_a_file_over_the_limit_is_refused_with_the_limit_named(client):
    await login(client, "admin@test.org")
    big = b"x" * (UPLOAD_LIMIT + 1024)
    response = await _post(client, big, name="huge.csv")
    assert response.status_code == 413
    assert "larger than 64 MB" in response.text
    assert "qa import calls" in response.text
    assert await ImportRun.count() == 0


async def test_form_mistakes_are_shown_beside_their_fields_with_the_values_kept(client):
    await login(client, "admin@test.org")
    response = await _post(client, _csv(2), {"format": "wav", "timezone": "Mars/Olympus", "mapping": "agent=Who"})
    assert response.status_code == 400
    assert re.search(r'id="format-error">[^<]+<', response.text)
    assert re.search(r'id="timezone-error">[^<]+<', response.text)
    assert 'value="Mars/Olympus"' in response.text and ">agent=Who</textarea>" in response.text
    outside = await _post(client, _csv(2), {"recordings": "../elsewhere"})
    assert outside.status_code == 400
    assert re.search(r'id="recordings-error">[^<]*QA_RECORDINGS_DIR', outside.text)
    assert await _imported() == 0


@pytest.mark.parametrize(("role", "status"), [("qa", 403), ("team_leader", 403), ("agent", 403)])
async def test_other_roles_cannot_see_or_upload(client, role, status):
    await login(client, f"{role}@test.org")
    assert (await client.get("/admin/imports", headers=HTML)).status_code == status
    home = await client.get("/", headers=HTML)
    response = await client.post(
        "/admin/imports",
        data={"_csrf_token": csrf_from(home.text), "format": "csv"},
        files={"file": ("calls.csv", _csv(2), "text/csv")},
        headers=HTML,
    )
    assert response.status_code == status
    assert await _imported() == 0
    run = (await ImportRun.insert(ImportRun(kind="calls:csv", file_name="a.csv")).returning(ImportRun.id))[0]["id"]
    assert (await client.get(f"/admin/imports/{run}", headers=HTML)).status_code == status


async def test_an_unknown_run_is_not_found(client):
    await login(client, "admin@test.org")
    assert (await client.get("/admin/imports/999999", headers=HTML)).status_code == 404
    assert (await client.get(f"/admin/imports/{2**40}", headers=HTML)).status_code == 404


async def test_the_upload_needs_its_csrf_token(client):
    await login(client, "admin@test.org")
    response = await client.post(
        "/admin/imports", data={"format": "csv"}, files={"file": ("calls.csv", _csv(2), "text/csv")}, headers=HTML
    )
    assert response.status_code == 403
    assert await _imported() == 0
