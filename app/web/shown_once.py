"""Secrets the dashboard shows exactly once (a new API key, a new webhook's signing secret).

The POST that creates one stashes it in the session and redirects (Post/Redirect/Get, so a
reload never creates a second); the next dashboard page takes it out and shows it. Flask's
session cookie is signed, not secret, so the value travels encrypted (Fernet, under a key
derived from SECRET_KEY): a copy of the cookie, in a proxy's log or a browser profile, does
not give the secret away.
"""

from __future__ import annotations

import base64
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session

KEY = "shown_once"
# Long enough to read and copy; an older stash is dropped unshown.
MAX_AGE_SECONDS = 15 * 60


def now() -> int:
    """Seconds since the epoch, as stash and take read them: Mayfly's own clock seam, so a
    test moves this clock rather than the cryptography library's internals."""
    return int(time.time())


def stash(kind: str, value: str) -> None:
    sealed = _fernet().encrypt_at_time(value.encode(), now())
    session[KEY] = {"kind": kind, "sealed": sealed.decode()}


def take() -> dict[str, str]:
    """{"kind", "value"} of what waits to be shown, or {}; gone once taken."""
    found = session.pop(KEY, None)
    if not isinstance(found, dict) or "sealed" not in found:
        return {}
    try:
        value = _fernet().decrypt_at_time(found["sealed"], MAX_AGE_SECONDS, now()).decode()
    except InvalidToken:  # too old, or sealed under a SECRET_KEY since changed
        return {}
    return {"kind": found["kind"], "value": value}


def _fernet() -> Fernet:
    secret = current_app.secret_key
    material = secret.encode() if isinstance(secret, str) else bytes(secret or b"")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"mayfly shown-once secrets").derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))
