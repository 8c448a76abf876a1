"""Webhooks: a user's URLs get each new message of their mailboxes as a signed JSON POST.

Deliveries are written to an outbox table in the same transaction as the message (so a
message that got 250 always has its deliveries), and sent later by the dispatcher loop that
runs in the SMTP sidecar's parent process, never on the SMTP reply path
(app.services.outgoing.webhook_dispatch). Each POST carries
`X-Mayfly-Timestamp` and `X-Mayfly-Signature: sha256=<hex>`, the HMAC-SHA256 of
"<timestamp>.<body>" under the webhook's secret. A failed delivery is retried with growing
delays; after the last one it is marked failed. Every process may run a dispatcher: a
delivery is claimed by an atomic update before it is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox, Webhook, WebhookDelivery
from app.models.base import utcnow
from app.services.context import settings
from app.services.errors import InvalidInput, NotFound
from app.services.mailbox_life import visibility
from app.services.outgoing import outbound

MAX_WEBHOOKS = 20


def check_url(url: str) -> str:
    """A URL webhooks may be sent to (see `outbound`); InvalidInput otherwise."""
    try:
        return outbound.check(url, settings().webhooks_allow_private)
    except outbound.Refused as refused:
        raise InvalidInput(str(refused)) from None


def create_webhook(user_id: int, url: str, mailbox_address: str | None = None) -> Webhook:
    """A webhook for one owned mailbox, or for all of the user's mailboxes."""
    mailbox_id = None
    if mailbox_address:
        mailbox_id = db.session.execute(sa.select(Mailbox.id).where(
            Mailbox.address == mailbox_address.strip().lower(),
            visibility.belongs_to(user_id))).scalar_one_or_none()
        if mailbox_id is None:
            raise NotFound("You own no such mailbox.")
    if len(list_webhooks(user_id)) >= MAX_WEBHOOKS:
        raise InvalidInput(f"A user may have at most {MAX_WEBHOOKS} webhooks.")
    webhook = Webhook(user_id=user_id, mailbox_id=mailbox_id, url=check_url(url),
                      secret=secrets.token_hex(24))
    db.session.add(webhook)
    db.session.commit()
    return webhook


def list_webhooks(user_id: int) -> list[Webhook]:
    return list(db.session.execute(
        sa.select(Webhook).where(Webhook.user_id == user_id).order_by(Webhook.id)).scalars())


def delete_webhook(user_id: int, webhook_id: int) -> None:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or webhook.user_id != user_id:
        raise NotFound("No such webhook.")
    db.session.delete(webhook)
    db.session.commit()


def recent_deliveries(user_id: int, limit: int = 20) -> list[tuple[WebhookDelivery, str]]:
    """The user's latest deliveries with their webhook's URL, newest first."""
    rows = db.session.execute(
        sa.select(WebhookDelivery, Webhook.url).join(Webhook)
        .where(Webhook.user_id == user_id).order_by(WebhookDelivery.id.desc()).limit(limit))
    return [(delivery, url) for delivery, url in rows]


def enqueue(owner_messages: list[tuple[int, int, dict[str, Any]]]) -> None:
    """In the delivering transaction: one outbox row per (webhook, message).

    `owner_messages` holds (owner user id, mailbox id, event payload) for owned mailboxes.
    """
    owners = {owner for owner, _, _ in owner_messages}
    if not owners:
        return
    hooks = db.session.execute(sa.select(Webhook.id, Webhook.user_id, Webhook.mailbox_id)
                               .where(Webhook.user_id.in_(owners))).all()
    now = utcnow()
    rows = [{"webhook_id": hook.id, "payload": json.dumps(payload), "status": "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for owner, mailbox_id, payload in owner_messages for hook in hooks
            if hook.user_id == owner and hook.mailbox_id in (None, mailbox_id)]
    if rows:
        db.session.execute(sa.insert(WebhookDelivery), rows)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()
