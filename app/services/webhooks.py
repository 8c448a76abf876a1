"""Webhooks: a user's URLs get each new message of their mailboxes as a signed JSON POST.

Deliveries are written to an outbox table in the same transaction as the message (so a
message that got 250 always has its deliveries), and sent later by the dispatcher loop that
runs in the SMTP sidecar's parent process, never on the SMTP reply path. Each POST carries
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
import urllib.error
import urllib.request
from datetime import timedelta
from ipaddress import ip_address
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox, Webhook, WebhookDelivery
from app.models.base import utcnow
from app.services.errors import InvalidInput, NotFound

BACKOFF = (5, 30, 120, 600, 1800, 3600, 7200)  # seconds before attempts 2, 3, …
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = 5.0
LEASE = timedelta(seconds=60)  # a claimed delivery is not claimed again while being sent
MAX_WEBHOOKS = 20


def check_url(url: str) -> str:
    """HTTPS anywhere, or plain HTTP to this machine's loopback for local testing."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url.strip()
    if parts.scheme == "http" and (host == "localhost" or _is_loopback(host)):
        return url.strip()
    raise InvalidInput("A webhook URL is https://…, or http:// to localhost for local testing.")


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def create_webhook(user_id: int, url: str, mailbox_address: str | None = None) -> Webhook:
    """A webhook for one owned mailbox, or for all of the user's mailboxes."""
    mailbox_id = None
    if mailbox_address:
        mailbox_id = db.session.execute(sa.select(Mailbox.id).where(
            Mailbox.address == mailbox_address.strip().lower(),
            Mailbox.owner_id == user_id)).scalar_one_or_none()
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


def enqueue(owner_messages: list[tuple[int, int, dict]]) -> None:
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
        db.session.execute(sa.insert(WebhookDelivery.__table__), rows)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def dispatch_due(limit: int = 50) -> int:
    """Send what is due now; returns how many were attempted."""
    now = utcnow()
    due = db.session.execute(
        sa.select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                            WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)).scalars().all()
    attempted = 0
    for delivery_id in due:
        claimed = db.session.execute(
            sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                             WebhookDelivery.status == "pending",
                                             WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE)).rowcount
        db.session.commit()
        if claimed:
            _attempt(delivery_id)
            attempted += 1
    return attempted


def _attempt(delivery_id: int) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    webhook = db.session.get(Webhook, delivery.webhook_id) if delivery else None
    if delivery is None or webhook is None:
        return
    body = delivery.payload.encode()
    timestamp = int(utcnow().timestamp())
    request = urllib.request.Request(webhook.url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": "Mayfly-Webhooks/1",
        "X-Mayfly-Timestamp": str(timestamp),
        "X-Mayfly-Signature": sign(webhook.secret, timestamp, body)})
    status, error = None, None
    try:
        # The URL was checked at registration: https, or http to loopback only.
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        error = str(exc)[:255] or type(exc).__name__
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at = "delivered", utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = utcnow() + timedelta(seconds=BACKOFF[delivery.attempts - 1])
    db.session.commit()
