"""Random tokens, and the hashes under which they are stored."""

from __future__ import annotations

import hashlib
import secrets

MAILBOX_TOKEN_PREFIX = "mbx_"  # noqa: S105 - a prefix, not a secret


def new_mailbox_token(kind: str = "mbx") -> str:
    """A token shown once; only its hash is stored.

    "mbx": Mayfly's own (mbx_ and 43 URL-safe characters);
    "hex40": 40 upper-case hex characters, the form developermail clients expect.
    """
    if kind == "hex40":
        return secrets.token_hex(20).upper()
    return MAILBOX_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_public_id() -> int:
    """A random message id below 2**53 (exact in JavaScript), never sequential."""
    return secrets.randbelow(2**53 - 2**32) + 2**32


def new_attachment_id() -> str:
    return secrets.token_urlsafe(18)


def grant_proof(token_hash: str) -> str:
    """What a browser session keeps of a mailbox it unlocked: derived from the token's hash,
    so it changes when the token does and cannot be turned back into the token."""
    return hashlib.sha256(b"mayfly-grant:" + token_hash.encode()).hexdigest()[:32]
