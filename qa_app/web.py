"""What every package's pages share: typed form bodies, the error page for a user's mistake, the
one rule for whether a user may see a call, and reading a form whose fields are not known in
advance."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from qa_app import queries
from qa_app.auth import agent_scope, ensure_visible

T = TypeVar("T")
LARGEST_ID = 2**31 - 1  # ids are PostgreSQL integers: a larger one names no row
# A form's fields read into a msgspec struct: `data: Form[LoginForm]`; `Upload[...]` with files.
Form = Annotated[T, Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[T, Body(media_type=RequestEncodingType.MULTI_PART)]


def problem(title: str, message: str, status: int = HTTP_400_BAD_REQUEST) -> Template:
    """The error page for something the user can put right ("The campaign was not created",
    "Choose the CSV file of scenarios.")."""
    return Template("error.html", context={"title": title, "message": message, "status": status}, status_code=status)


async def visible_call(request: Request, call_id: int) -> dict[str, Any]:
    """The call, if the signed-in user may see it; another agent's call answers 404, exactly
    like one that does not exist."""
    call = await queries.get_call(call_id) if 0 < call_id <= LARGEST_ID else None
    if call is None:
        raise NotFoundException()
    ensure_visible(await agent_scope(request.user), call["agent"])
    return call


async def dynamic_form(request: Request) -> dict[str, Any]:
    """A form whose field names come from data (a scorecard's criteria, a survey's questions, a
    list of notification kinds), so no fixed struct can describe it: one value per field, or the
    list of values where a field is repeated. Forms with fixed fields use a msgspec struct."""
    form = await request.form()
    return {key: values if len(values := form.getall(key)) > 1 else values[0] for key in form.keys()}
