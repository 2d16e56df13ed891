"""The installed packages: the one list from which the web app, the `qa` command, the worker, the
demo and the migration registry are assembled.

Each domain package declares what it contributes in its `package.py`, as a `Package`. What would
be costly to import for every `qa` command (routes, jobs, demo steps) is named as
"module:attribute" and imported only by the part that needs it, so `qa --help` stays quick and the
shell never imports a domain package by name. Adding a package is one line in `INSTALLED`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# In the order of dependence, the shell first: the demo builds in this order.
INSTALLED = (
    "qa_app",
    "organisation",
    "directory",
    "transcription",
    "cases",
    "surveys",
    "audits",
    "scorecards",
    "coaching",
    "reports",
    "privacy",
)


@dataclass(frozen=True)
class NavEntry:
    """A link in the navigation, shown to `roles`, placed by `order` (lower first).

    An `href` with `{agent_id}` is an agent's own page: shown only to a user linked to an agent.
    `agent_label` is the label an agent sees instead (their own calls: "My calls")."""

    label: str
    href: str
    roles: tuple[str, ...]
    order: int
    agent_label: str | None = None
    section: str = ""  # its group in the navigation (qa_app/app.py SECTIONS)


@dataclass(frozen=True)
class ToDo:
    """Something for the signed-in user to do, on their home page: a sentence, where to do it,
    and by when (already worded, "by 10 December"; "" when there is no deadline)."""

    text: str
    link: str
    due: str = ""
    sort: str = ""  # items sort by this (an ISO date or time), those without one last


@dataclass(frozen=True)
class HomePanel:
    """A panel a role's home page loads over HTMX from a package (a manager's headline figures
    against their targets). A role with a panel sees it instead of the call tiles, which stay
    on the calls overview."""

    href: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Package:
    """What one package contributes. Strings are "module:attribute" references."""

    name: str
    routes: Sequence[str] = ()  # lists of route handlers
    commands: Sequence[str] = ()  # click commands or groups that `qa` mounts
    jobs: Sequence[str] = ()  # functions that `qa worker` runs from the queue
    cron_jobs: Sequence[str] = ()  # lists of saq.CronJob
    navigation: Sequence[NavEntry] = ()
    # Panels the call page loads over HTMX; `{call_id}` is filled in (the transcript, its cases).
    call_panels: Sequence[str] = ()
    demo: str | None = None  # async def load(*, seed, today, echo)
    # async def (call_ids) -> None, run when calls were imported or a transcript finished
    # (the automatic checks of every call follow their data).
    after_calls: Sequence[str] = ()
    # The residents' personal data it holds: objects with async find(hashes, emails) -> {kind: [item]}
    # (an item's "file" is an audio file to export), erase(hashes, emails) -> {kind: n} and
    # erase_expired(today, retention_days) -> {kind: n}; privacy/requests.py runs them.
    personal_data: Sequence[str] = ()
    # async def () -> None, run when the web app stops, before its database closes (work in
    # flight that must not be lost: a resident's voice comment being transcribed).
    on_shutdown: Sequence[str] = ()
    # async def (user) -> list[ToDo]: what the user has to do in this package (an evaluation to
    # respond to, a dispute to answer, a session to acknowledge), listed on their home page.
    home: Sequence[str] = ()
    home_panels: Sequence[HomePanel] = ()
    templates: bool = True  # has a `templates/` folder

    @property
    def piccolo_app(self) -> str:
        return f"{self.name}.piccolo_app"

    @property
    def folder(self) -> Path:
        return Path(importlib.import_module(self.name).__file__).parent


def resolve(reference: str) -> Any:
    """The object a "module:attribute" reference names."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


@cache
def installed() -> tuple[Package, ...]:
    return tuple(importlib.import_module(f"{name}.package").PACKAGE for name in INSTALLED)


def piccolo_apps() -> list[str]:
    return [package.piccolo_app for package in installed()]


def template_folders() -> list[Path]:
    return [package.folder / "templates" for package in installed() if package.templates]


def routes() -> list:
    return [handler for package in installed() for reference in package.routes for handler in resolve(reference)]


def commands() -> list:
    return [resolve(reference) for package in installed() for reference in package.commands]


def jobs() -> list[Callable]:
    return [resolve(reference) for package in installed() for reference in package.jobs]


def cron_jobs() -> list:
    return [job for package in installed() for reference in package.cron_jobs for job in resolve(reference)]


def personal_data() -> list:
    return [resolve(reference) for package in installed() for reference in package.personal_data]


def shutdown_hooks() -> list[Callable]:
    return [resolve(reference) for package in installed() for reference in package.on_shutdown]


async def to_do(user: Any) -> list[ToDo]:
    """Every package's to-do items for this user, soonest first."""
    items = [item for package in installed() for reference in package.home for item in await resolve(reference)(user)]
    return sorted(items, key=lambda item: (item.sort == "", item.sort))


def home_panels(role: str) -> list[str]:
    """The addresses of the panels this role's home page loads."""
    return [panel.href for package in installed() for panel in package.home_panels if role in panel.roles]


def navigation() -> list[NavEntry]:
    return sorted((entry for package in installed() for entry in package.navigation), key=lambda e: e.order)


async def calls_changed(call_ids: Sequence[int]) -> None:
    """Tell every package that these calls were imported, changed or transcribed."""
    if not call_ids:
        return
    for package in installed():
        for reference in package.after_calls:
            await resolve(reference)(call_ids)


def call_panels() -> list[str]:
    return [panel for package in installed() for panel in package.call_panels]


def demo_steps() -> list[tuple[str, Callable]]:
    return [(package.name, resolve(package.demo)) for package in installed() if package.demo]
