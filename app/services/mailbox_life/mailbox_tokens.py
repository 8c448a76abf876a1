"""Mailbox tokens: opening a protected mailbox with one (for a request, or as a browser
grant), finding the mailbox a token opens, and replacing a mailbox's token.
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa

from app.extensions import db
from app.mail import addresses
from app.models import Mailbox
from app.services.access import Principal
from app.services.errors import MailboxNotFound, Unauthorized
from app.services.mailbox_life import mailbox_policy
from app.services.mailbox_life.mailbox_reads import ACCESS_QUERY, find_row, get_mailbox
from app.services.secrets import grant_proof, hash_token, new_mailbox_token


def open_by_token(address: str, token: str) -> int:
    """The id of the live mailbox at `address` that `token` opens, in one statement; for
    doors that tell "no such mailbox" (MailboxNotFound) from "not your token" (Unauthorized),
    as developermail's does."""
    row = db.session.connection().execute(
        ACCESS_QUERY, {"address": addresses.normalize(address)}).one_or_none()
    if row is None or not mailbox_policy.is_live(row) or addresses.is_reserved(row.local_part):
        raise MailboxNotFound()
    if not _opens(row.token_hash, token):
        raise Unauthorized()
    return int(row.id)


def open_with_token(address: str, token: str) -> tuple[int, str]:
    """A browser grant (id, proof) for the live protected mailbox this token opens;
    MailboxNotFound otherwise. See Principal.grants."""
    mailbox = find_row(address)
    if (mailbox is None or not mailbox_policy.is_live(mailbox) or mailbox.token_hash is None
            or not _opens(mailbox.token_hash, token)):
        raise MailboxNotFound()
    return mailbox.id, grant_proof(mailbox.token_hash)


def _opens(token_hash: str | None, token: str) -> bool:
    return bool(token) and token_hash is not None and hmac.compare_digest(
        token_hash, hash_token(token.strip()))


def find_id_by_token(token: str) -> int | None:
    """The mailbox a token opens, if any (an expired one still answers as not found)."""
    return db.session.execute(
        sa.select(Mailbox.id).where(Mailbox.token_hash == hash_token(token))
    ).scalar_one_or_none()


def rotate_token(address: str, principal: Principal, kind: str = "mbx") -> str:
    """A new token for a protected mailbox; every older one (and every browser grant made
    with one) stops working at once."""
    mailbox = get_mailbox(address, principal)
    token = new_mailbox_token(kind)
    mailbox.token_hash = hash_token(token)
    mailbox.protected = True
    db.session.commit()
    return token
