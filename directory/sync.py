"""The scheduled check of people who sign in with LDAP: between their sign-ins, the directory may
drop them or take them out of their groups; every quarter of an hour their access here follows
(switched off, which ends their sessions, or their role changed). OpenID Connect has no such
question to ask the provider without the person: there, the next sign-in decides."""

from __future__ import annotations

import logging
from typing import Any

from saq import CronJob

from directory import accounts, ldap
from directory.settings import directory_settings
from directory.tables import ExternalIdentity

log = logging.getLogger(__name__)


async def check_ldap_users() -> dict[str, int]:
    settings = directory_settings()
    counts = {"checked": 0, "suspended": 0, "role": 0}
    if not settings.ldap_enabled:
        return counts
    identities = await ExternalIdentity.select().where(
        (ExternalIdentity.provider == "ldap") & (ExternalIdentity.suspended == False)  # noqa: E712
    )
    if not identities:
        return counts
    found = await ldap.look_up_async(settings, {identity["login"] for identity in identities})
    for identity in identities:
        counts["checked"] += 1
        if changed := await accounts.follow(found.get(identity["login"]), identity):
            counts[changed] += 1
    return counts


async def check_ldap_users_job(ctx: dict[str, Any]) -> dict[str, int]:
    try:
        counts = await check_ldap_users()
    except ldap.DirectoryUnavailable as error:  # no answer is not "nobody is known": change nothing
        log.warning("directory check skipped: %s", error)
        return {}
    log.info("directory check: %s", counts)
    return counts


CRON_JOBS = [CronJob(check_ldap_users_job, cron="*/15 * * * *")]
