"""API keys: created (shown once), verified on every request, revoked at once everywhere.

A key looks like `mf_1a2b3c4d_<43 random characters>`; the `mf_1a2b3c4d` prefix names it
in lists. Only the SHA-256 hash of the whole key is stored, and every request looks it up
in the store, so a revocation holds on every process from the next request on.

A key acts as its user: their own mailboxes, even when the user is an admin. Admin reach
(every tenant's mail: what MailHog's and Mailpit's delete-all would then wipe) is a flag
of the key, `admin_scope`, that only an admin can set when making it, and that holds only
while the user is still an admin (`holder(...).principal`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiKey, User
from app.models.base import utcnow
from app.services.access import Principal
from app.services.errors import InvalidInput, NotFound, Unauthorized
from app.services.secrets import hash_token

KEY_PREFIX = "mf_"
# last_used_at is a hint for people, not an audit log: write it at most once a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_KEYS = 50


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str  # the whole key, shown once


@dataclass(frozen=True)
class KeyHolder:
    """Who a verified key speaks for, and with what reach."""

    user: User
    admin_reach: bool  # the key has admin_scope and its user is an admin now

    @property
    def principal(self) -> Principal:
        """The key's principal: every tenant's mail with admin reach, else the user's own."""
        return Principal(user_id=self.user.id, is_admin=self.admin_reach)


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def create_key(user: User, name: str, *, admin_scope: bool = False) -> CreatedKey:
    """A new named key for the user; with `admin_scope` (admins only: Unauthorized for anyone
    else) it reaches every tenant's mail for as long as the user stays an admin."""
    if admin_scope and not user.is_admin:
        raise Unauthorized("Only an admin can make a key with admin scope.")
    name = name.strip() or "API key"
    if len(name) > 80:
        raise InvalidInput("A key name has at most 80 characters.")
    if len(list_keys(user)) >= MAX_KEYS:
        raise InvalidInput(f"A user may have at most {MAX_KEYS} keys; revoke one first.")
    prefix = KEY_PREFIX + secrets.token_hex(4)
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(user_id=user.id, name=name, prefix=prefix, key_hash=hash_token(secret),
                 admin_scope=admin_scope)
    db.session.add(key)
    db.session.commit()
    return CreatedKey(key, secret)


def list_keys(user: User) -> list[ApiKey]:
    """The user's live keys, newest first."""
    return list(db.session.execute(
        sa.select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.id.desc())).scalars())


def verify(secret: str) -> User | None:
    """The user a live key belongs to, or None. Doors that grant reach ask `holder`."""
    found = holder(secret)
    return found.user if found is not None else None


def holder(secret: str) -> KeyHolder | None:
    """The user a live key belongs to and the key's reach, or None. Admin reach needs both
    the key's admin_scope and the user's admin role as they are now: a key made with admin
    scope acts as its user alone from the moment the user is demoted."""
    row = db.session.execute(
        sa.select(ApiKey, User).join(User, User.id == ApiKey.user_id)
        .where(ApiKey.key_hash == hash_token(secret.strip()), ApiKey.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        return None
    key, user = row
    found = KeyHolder(user, admin_reach=bool(key.admin_scope and user.is_admin))
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
        db.session.commit()
    return found


def revoke(user: User, key_id: int) -> None:
    """Revoke one of the user's keys."""
    key = db.session.get(ApiKey, key_id)
    if key is None or key.user_id != user.id or key.revoked_at is not None:
        raise NotFound("No such key.")
    key.revoked_at = utcnow()
    db.session.commit()


def revoke_by_prefix(prefix: str) -> ApiKey:
    """Revoke the key with this prefix (operators, from the command line)."""
    key = db.session.execute(
        sa.select(ApiKey).where(ApiKey.prefix == prefix.strip(), ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()
    if key is None:
        raise NotFound(f"No live key with prefix {prefix!r}.")
    key.revoked_at = utcnow()
    db.session.commit()
    return key
