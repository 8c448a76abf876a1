"""The browser inbox as one read: the domains it offers, the mailbox with its counts and the
newest messages (three statements), and the poll that redraws the list only when its
version moved.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.mail import addresses
from app.models import Domain
from app.services.access import Principal
from app.services.errors import MailboxNotFound
from app.services.mailbox_life import domains, mailbox_reads
from app.services.stored_mail.mailbox_states import NO_MAILBOX_VERSION, MailboxState, find_state
from app.services.stored_mail.pages import EMPTY, Page, page


@dataclass(frozen=True)
class InboxView:
    """The browser inbox: the address, its mailbox (None until mail arrives), the domains a
    visitor can choose from, and the newest messages."""

    address: str
    state: MailboxState | None
    domains: list[Domain]
    page: Page

    @property
    def version(self) -> str:
        return NO_MAILBOX_VERSION if self.state is None else self.state.version


def open_inbox(address: str, principal: Principal, *, limit: int = 50) -> InboxView:
    """Three statements: the domains, the mailbox with its counts, a page of summaries.
    MailboxNotFound for addresses that can never be shown (reserved, foreign domains)."""
    active = domains.list_active()
    normalized = _viewable(address, active)
    state = find_state(normalized, principal)
    found = EMPTY if state is None or not state.total else page(state.id, limit=limit)
    return InboxView(normalized, state, active, found)


def inbox_changes(address: str, principal: Principal, known: str | None,
                  *, limit: int = 50) -> tuple[str, Page | None]:
    """For a polled list: (version, None) in one statement when nothing changed since
    `known`, else (version, page) in two."""
    state = find_state(address, principal)
    if state is None:
        mailbox_reads.check_viewable(address)  # reserved names and foreign domains are 404
        return NO_MAILBOX_VERSION, None if known == NO_MAILBOX_VERSION else EMPTY
    if state.version == known:
        return state.version, None
    return state.version, page(state.id, limit=limit) if state.total else EMPTY


def _viewable(address: str, active: list[Domain]) -> str:
    """check_viewable against domains already read, so the inbox spends no statement on it."""
    try:
        local, domain = addresses.split(address)
    except addresses.InvalidAddress:
        raise MailboxNotFound() from None
    if addresses.is_reserved(local) or domain not in {d.name for d in active}:
        raise MailboxNotFound()
    return f"{local}@{domain}"
