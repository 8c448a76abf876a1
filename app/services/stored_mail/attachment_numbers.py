"""Integer ids for attachments, for doors whose wire format wants integers (tempmail-php).

Derived, never written: an attachment's number is its message's row id and its place among
the message's attachments, under a keyed permutation of [0, 2**52) (a four-round Feistel
network whose rounds are HMAC-SHA256 under a key derived from SECRET_KEY), placed above 2**32
like message ids. Storing mail writes nothing for this door, showing a message writes nothing
either, and a number turns back into its message and place for the download. Message row ids
are never reused (AUTOINCREMENT, sequences), so neither is a number, and a message's
attachments never change. Without the key, neighbouring numbers look unrelated: a number is
as unguessable as a random one (the door hands out download links that need no other
credential). A new SECRET_KEY gives every attachment a new number, as it ends every session.

Attachments stored before migration 0017 keep the random numbers they were given at
delivery (`attachment_numbers`, no longer written): a number found there wins. Derived
numbers never repeat; one could equal such an older number only by chance (about one in
2**52 per pair), and then the older attachment keeps it.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, AttachmentNumber, Message
from app.services.context import settings

LOWEST = 2**32  # numbers start above the 32-bit range, as message ids do
_BITS = 52  # numbers stay below 2**32 + 2**52 < 2**53, exact in JavaScript
_PLACE_BITS = 10  # room for every attachment of a message: mime keeps at most MAX_PARTS
_HALF = _BITS // 2
_MASK = (1 << _HALF) - 1
_ROUNDS = 4  # four Feistel rounds of a pseudo-random function: a strong pseudo-random permutation
PLACES = 1 << _PLACE_BITS


def number_of(message_id: int, place: int) -> int:
    """The number of the message's attachment at `place` (0 first, by row id)."""
    value = message_id << _PLACE_BITS | place
    left, right = value >> _HALF, value & _MASK
    for step in range(_ROUNDS):
        left, right = right, left ^ _round(step, right)
    return LOWEST + ((left << _HALF) | right)


def place_of(number: int) -> tuple[int, int] | None:
    """The (message row id, place) a derived number stands for; None for a number outside
    the derived range."""
    value = number - LOWEST
    if not 0 <= value < 1 << _BITS:
        return None
    left, right = value >> _HALF, value & _MASK
    for step in reversed(range(_ROUNDS)):
        left, right = right ^ _round(step, left), left
    value = (left << _HALF) | right
    return value >> _PLACE_BITS, value & ((1 << _PLACE_BITS) - 1)


def find(number: int) -> tuple[str, int] | None:
    """(attachment public id, message public id) of the attachment with this number, or
    None; one statement, no access check (the caller checks the message)."""
    kept = (sa.select(Attachment.public_id, Message.public_id, sa.literal(0).label("rank"))
            .join(AttachmentNumber, AttachmentNumber.attachment_id == Attachment.id)
            .join(Message, Message.id == Attachment.message_id)
            .where(AttachmentNumber.number == number))
    place = place_of(number)
    if place is None:
        row = db.session.execute(kept.limit(1)).first()
    else:  # each half an index lookup; a number kept from before 0017 comes first
        message_id, position = place
        at_place = (sa.select(Attachment.id).where(Attachment.message_id == message_id)
                    .order_by(Attachment.id).limit(1).offset(position).scalar_subquery())
        numbered_before = sa.select(AttachmentNumber.attachment_id).where(
            AttachmentNumber.attachment_id == Attachment.id).exists()
        derived = (sa.select(Attachment.public_id, Message.public_id, sa.literal(1))
                   .join(Message, Message.id == Attachment.message_id)
                   .where(Attachment.id == at_place, ~numbered_before))
        row = db.session.execute(
            sa.union_all(kept, derived).order_by(sa.text("rank")).limit(1)).first()
    return (row[0], row[1]) if row is not None else None


def _round(step: int, half: int) -> int:
    digest = hmac.new(_key(settings().secret_key), bytes([step]) + half.to_bytes(4, "big"),
                      hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & _MASK


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    # A key of its own, so these numbers reveal nothing of keys derived for other uses.
    return hashlib.sha256(b"mayfly attachment numbers\0" + secret.encode()).digest()
