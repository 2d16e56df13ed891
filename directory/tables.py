"""The directory's tables: who a user is at the organisation's identity provider, and the
nonces of OpenID Connect sign-ins already used."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from qa_app.tables import User


class ExternalIdentity(Table, tablename="directory_identity"):
    """A user as the directory knows them: one row per provider and subject."""

    key = Varchar(length=400, unique=True)  # "oidc:<sub>" or "ldap:<entryUUID / objectGUID / DN>"
    provider = Varchar(length=10)  # oidc | ldap
    subject = Varchar(length=380)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    login = Varchar(length=254, default="", index=True)  # what they sign in with (LDAP), or their e-mail
    groups = JSON(default="[]")  # their groups at the last sign-in
    staff_number = Varchar(length=50, null=True, default=None)
    # An administrator chose the agent this user is linked to: sign-ins no longer change it.
    link_fixed = Boolean(default=False)
    # The directory took their access away (no mapped role, or no longer known): the user is
    # inactive because of it, and a later sign-in with a role gives it back.
    suspended = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(null=True, default=None)


class UsedNonce(Table, tablename="directory_used_nonce"):
    """An OpenID Connect nonce, kept until its ID token expires: the same token is never
    accepted twice (the unique column makes that hold across web processes)."""

    digest = Varchar(length=64, unique=True)
    expires_at = Timestamptz(index=True)
