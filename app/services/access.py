"""Who is asking, and what they may read. Doors build a Principal from their credential."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.mail.addresses import is_reserved
from app.services.secrets import grant_proof


class MailboxFields(Protocol):
    """What access rules look at: a Mailbox, or a query row with the same columns."""

    @property
    def id(self) -> int: ...
    @property
    def local_part(self) -> str: ...
    @property
    def protected(self) -> bool: ...
    @property
    def owner_id(self) -> int | None: ...
    @property
    def token_hash(self) -> str | None: ...


@dataclass(frozen=True)
class Principal:
    """A caller: a user, holders of mailbox tokens, or nobody in particular."""

    user_id: int | None = None
    # Mailboxes a credential of this very request opened (a token, a JWT).
    mailbox_ids: frozenset[int] = frozenset()
    # Mailboxes a browser session unlocked earlier: (id, proof of the token it was opened
    # with). The proof dies with the mailbox and with its token, so a kept grant never
    # opens another mailbox, nor this one after its token was replaced.
    grants: frozenset[tuple[int, str]] = frozenset()
    is_admin: bool = False
    # Public doors (1secmail, tempmail-php) never see a protected mailbox, even with a token.
    public_door: bool = False


ANONYMOUS = Principal()


def can_read(principal: Principal, mailbox: MailboxFields) -> bool:
    """Public mailboxes are open to anyone with the address; protected ones to holders."""
    if principal.is_admin:
        return True
    if is_reserved(mailbox.local_part):
        return False
    if not mailbox.protected:
        return True
    if principal.public_door:
        return False
    if principal.user_id is not None and mailbox.owner_id == principal.user_id:
        return True
    if mailbox.id in principal.mailbox_ids:
        return True
    return mailbox.token_hash is not None and (
        (mailbox.id, grant_proof(mailbox.token_hash)) in principal.grants)
