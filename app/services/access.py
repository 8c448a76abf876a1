"""Who is asking: doors build a Principal from their credential. What it may see or owns is
decided by app.services.mailbox_life.visibility, from the fields named here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
    # Admin reach: a key made with admin scope whose user is an admin now, or an admin's
    # browser session (a plain key of an admin user is a user key). Sees and owns every
    # mailbox (visibility).
    is_admin: bool = False
    # Public doors (1secmail, tempmail-php) never see a protected mailbox, even with a token.
    public_door: bool = False


ANONYMOUS = Principal()

