"""Secrets the dashboard shows exactly once (a new API key, a new webhook's signing secret).

The POST that creates one stashes it in the session and redirects (Post/Redirect/Get, so a
reload never creates a second); the next dashboard page takes it out and shows it. Flask's
session cookie is signed, not secret, so the value travels encrypted (Fernet, under a key
derived from SECRET_KEY): a copy of the cookie, in a proxy's log or a browser profile, does
not give the secret away.

Taking it drops it from the session, but a copy of the cookie made before still carries it:
so each stash has a random id, and the first take marks that id taken in the store every
web process shares (app.services.accounts.shown_once_marks). Replaying the old cookie then
shows nothing.
"""

from __future__ import annotations

import base64
import secrets
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session

from app.services.accounts import shown_once_marks

KEY = "shown_once"
# Long enough to read and copy; an older stash is dropped unshown.
MAX_AGE_SECONDS = 15 * 60
# A taken mark outlives its stash by this much, for web processes whose clocks differ (and
# Fernet's own 60 seconds of allowance for a stash stamped in the future).
MARK_MARGIN_SECONDS = 5 * 60


def now() -> int:
    """Seconds since the epoch, as stash and take read them: Mayfly's own clock seam, so a
    test moves this clock rather than the cryptography library's internals."""
    return int(time.time())


def stash(kind: str, value: str) -> None:
    sealed = _fernet().encrypt_at_time(value.encode(), now())
    # The id is random (unguessable) and signed with the rest of the session.
    session[KEY] = {"kind": kind, "id": secrets.token_urlsafe(16), "sealed": sealed.decode()}


def take() -> dict[str, str]:
    """{"kind", "value"} of what waits to be shown, or {}; gone once taken, from this
    session and from every copy of its cookie."""
    found = session.pop(KEY, None)
    if not isinstance(found, dict) or not all(
            isinstance(found.get(field), str) for field in ("kind", "id", "sealed")):
        return {}  # nothing waits (or a stash from before ids, which nothing could mark)
    clock = now()
    try:
        value = _fernet().decrypt_at_time(found["sealed"], MAX_AGE_SECONDS, clock).decode()
    except InvalidToken:  # too old, or sealed under a SECRET_KEY since changed
        return {}
    if not shown_once_marks.take_first(found["id"], clock,
                                       MAX_AGE_SECONDS + MARK_MARGIN_SECONDS):
        return {}  # taken already: this is a replayed copy of the cookie
    return {"kind": found["kind"], "value": value}


def _fernet() -> Fernet:
    secret = current_app.secret_key
    material = secret.encode() if isinstance(secret, str) else bytes(secret or b"")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"mayfly shown-once secrets").derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))
