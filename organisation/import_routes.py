"""Imports from the browser: upload a call file (CSV, Asterisk queue_log or CDR) and import it
with the same function, checks and line-numbered errors as `qa import calls`; each committed
import is an ImportRun with its own page.

The upload is copied in chunks to a folder of its own under QA_DATA_DIR (never held whole in
memory) and removed once imported. The import runs within the request: it streams the file in
batches and ends with the packages' after-calls hooks, exactly as the command does.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_413_REQUEST_ENTITY_TOO_LARGE
from msgspec import Struct

from kit.table_file import ImportError_
from qa_app.auth import require
from qa_app.formatting import number
from qa_app.i18n import _, _l
from qa_app.imports.common import ImportSummary
from qa_app.imports.run import import_calls
from qa_app.settings import ConfigError, get_settings, make_private_dir
from qa_app.tables import ImportRun, Role
from qa_app.web import LARGEST_ID, Upload, problem

ROLES = (Role.admin, Role.manager)
UPLOAD_LIMIT = 64 * 1024 * 1024  # bytes; larger files go through `qa import calls`
COPY_CHUNK = 1024 * 1024
FORMATS = {
    "csv": _l("A spreadsheet of calls (CSV with a header row)"),
    "asterisk-queue-log": _l("Asterisk queue log (queue_log)"),
    "asterisk-cdr": _l("Asterisk call detail records (Master.csv)"),
}


class ImportForm(Struct):
    format: str = ""
    skip_invalid: str = ""
    create_agents: str = ""
    timezone: str = ""
    recordings: str = ""
    mapping: str = ""
    file: UploadFile | None = None  # an empty file input arrives as None


def _limit_text() -> str:
    return _("%(size)s MB") % {"size": number(UPLOAD_LIMIT // (1024 * 1024))}


def _too_large(request: Request, exc: RequestEntityTooLarge) -> Template:
    """The whole body is refused before it is read: say so with the limit, not a bare 413."""
    return problem(
        _("The file was not imported"),
        _(
            "The file is larger than %(limit)s, the most an upload from the browser takes. "
            "Split it, or import it on the server with the command qa import calls."
        )
        % {"limit": _limit_text()},
        HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


async def _history() -> list[dict[str, Any]]:
    return await ImportRun.select().order_by(ImportRun.id, ascending=False).limit(100).output(load_json=True)


async def _page(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> Template:
    return Template(
        "organisation/imports.html",
        context={
            "rows": await _history(),
            "formats": FORMATS,
            "v": values or {"format": "csv"},
            "errors": errors or {},
            "limit": _limit_text(),
        },
        status_code=status,
    )


@get("/admin/imports", name="imports", guards=[require(*ROLES)], include_in_schema=False)
async def imports_page() -> Template:
    return await _page()


def _safe_name(filename: str) -> str:
    """The uploaded file's own name, reduced to a plain file name (kept for the history)."""
    name = re.sub(r"[^\w.\- ]", "_", Path(filename.replace("\\", "/")).name).strip(" .")
    return (name or "upload")[:200]


async def _save(upload: UploadFile, folder: Path) -> Path:
    """The upload copied chunk by chunk to a file under `folder`."""
    path = folder / _safe_name(upload.filename)
    with open(path, "wb") as out:
        while chunk := await upload.read(COPY_CHUNK):
            out.write(chunk)
    return path


def _check(data: ImportForm) -> tuple[dict[str, Any], dict[str, str]]:
    """The import's options from the form, and the errors by field name."""
    errors: dict[str, str] = {}
    options: dict[str, Any] = {
        "skip_invalid": bool(data.skip_invalid),
        "create_agents": bool(data.create_agents),
        "mapping": [line.strip() for line in data.mapping.splitlines() if line.strip()],
    }
    if data.format not in FORMATS:
        errors["format"] = _("Choose the kind of file.")
    if data.file is None or not data.file.filename:
        errors["file"] = _("Choose the file to import.")
    if zone := data.timezone.strip():
        try:
            options["source_timezone"] = ZoneInfo(zone).key
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = _("Not a time zone: write it like Europe/Stockholm, or leave it empty.")
    if folder := data.recordings.strip():
        root = get_settings().recordings_dir.resolve()
        path = (root / folder).resolve()
        if path != root and root not in path.parents:
            errors["recordings"] = _("The folder must lie inside the recordings folder (QA_RECORDINGS_DIR).")
        elif not path.is_dir():
            errors["recordings"] = _("There is no such folder inside the recordings folder (QA_RECORDINGS_DIR).")
        else:
            options["recordings_dir"] = path
    return options, errors


@post(
    "/admin/imports",
    guards=[require(*ROLES)],
    include_in_schema=False,
    request_max_body_size=UPLOAD_LIMIT,
    exception_handlers={RequestEntityTooLarge: _too_large},
)
async def upload_import(request: Request, data: Upload[ImportForm]) -> Redirect | Template:
    values = {
        "format": data.format,
        "skip_invalid": data.skip_invalid,
        "create_agents": data.create_agents,
        "timezone": data.timezone,
        "recordings": data.recordings,
        "mapping": data.mapping,
    }
    options, errors = _check(data)
    if errors:
        return await _page(values, errors, HTTP_400_BAD_REQUEST)
    assert data.file is not None
    uploads = get_settings().data_dir / "uploads" / "imports"
    make_private_dir(uploads)
    folder = uploads / secrets.token_hex(8)
    make_private_dir(folder)
    try:
        path = await _save(data.file, folder)
        summary = await import_calls(path, data.format, user_id=request.user.id, **options)
    except ConfigError as error:  # a recordings folder outside QA_RECORDINGS_DIR, or no folder at all
        return await _page(values, {"recordings": str(error).replace("--recordings ", "")}, HTTP_400_BAD_REQUEST)
    except ImportError_ as error:  # the whole file cannot be read: wrong kind, missing columns
        return await _page(values, {"file": str(error)}, HTTP_400_BAD_REQUEST)
    finally:
        await data.file.close()
        shutil.rmtree(folder, ignore_errors=True)
    if summary.committed and summary.run_id is not None:
        return Redirect(f"/admin/imports/{summary.run_id}")
    return _result(summary, kind=f"calls:{data.format}", file_name=_safe_name(data.file.filename), status=400)


def _result(summary: ImportSummary | dict[str, Any], *, kind: str, file_name: str, status: int = 200) -> Template:
    data = summary.as_json() if isinstance(summary, ImportSummary) else summary
    return Template(
        "organisation/import_run.html",
        context={"s": data, "kind": kind, "file_name": file_name, "formats": FORMATS, "run": None},
        status_code=status,
    )


@get("/admin/imports/{run_id:int}", name="import_run", guards=[require(*ROLES)], include_in_schema=False)
async def import_run_page(run_id: FromPath[int]) -> Template:
    run = (
        await ImportRun.select(ImportRun.all_columns(), ImportRun.user.name.as_alias("user_name"))
        .where(ImportRun.id == run_id)
        .output(load_json=True)
        .first()
        if 0 < run_id <= LARGEST_ID
        else None
    )
    if run is None:
        raise NotFoundException()
    summary = run["summary"] if isinstance(run["summary"], dict) else {}
    return Template(
        "organisation/import_run.html",
        context={"s": summary, "kind": run["kind"], "file_name": run["file_name"], "formats": FORMATS, "run": run},
    )


ROUTES = [imports_page, upload_import, import_run_page]
