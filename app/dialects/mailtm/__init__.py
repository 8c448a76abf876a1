"""mail.tm's API, `/compat/mailtm/…`: accounts with an address and a password, a JWT each.

Served as api.mail.tm serves it to its clients (npm `@cemalgnlts/mailjs`, PyPI `pymailtm`):
`GET /domains[/{id}]`, `POST /accounts` (201), `POST /token` → `{"token", "id"}`, `GET /me`,
`GET`/`DELETE /accounts/{id}`, `GET /messages?page=` (30 a page, newest first), `GET`/`PATCH`
(`{"seen"}`)/`DELETE /messages/{id}`, `…/download`, `…/attachment/{id}`, `GET /sources/{id}`.
Answers are JSON-LD (`hydra:member`, `@id`, …) for `application/ld+json`, `*/*` or no Accept,
plain JSON (collections as arrays) for `application/json`. Errors: 401 (bad credentials or
token), 422 (taken address, unknown domain, short password), 404 (nothing, or not yours).

An account is a Mayfly mailbox account, as tempemail makes: protected, living
OWNED_MAILBOX_TTL, its JWT valid ACCOUNT_TOKEN_TTL, password attempts limited per account and
client (`<a@x>` or ` A@X ` is the account a@x; guesses here and at tempemail count
together). Where mail.tm is silent: ids are Mayfly's (an account's is its mailbox's, a
message's its public id) as strings; domains are the active free ones; passwords need 6
characters; `downloadUrl`s are relative to this door; an empty `Authorization: Bearer` is
ignored.

The door in three parts: `jsonld` (the two answer shapes and the error envelopes),
`accounts` (domains, accounts, tokens: who is asking) and `messages` (an account's mail).
"""

from __future__ import annotations

from flask import Blueprint, Response

from app.dialects._common import install_errors
from app.dialects.mailtm.jsonld import answer, render_error
from app.services.errors import (
    AddressTaken,
    Forbidden,
    InvalidInput,
    MayflyError,
    NotFound,
    ReservedAddress,
    Unauthorized,
)

bp = Blueprint("mailtm", __name__, url_prefix="/compat/mailtm")

install_errors(bp, render_error, ((Unauthorized, 401), (Forbidden, 401), (NotFound, 404)),
               default=422)


@bp.errorhandler(InvalidInput)
@bp.errorhandler(AddressTaken)
@bp.errorhandler(ReservedAddress)
def _invalid(exc: MayflyError) -> Response:
    path = "password" if "password" in exc.message.lower() else "address"
    message = "This value is already used." if isinstance(exc, AddressTaken) else exc.message
    return answer({"@context": "/contexts/ConstraintViolationList",
                   "@type": "ConstraintViolationList", "hydra:title": "An error occurred",
                   "hydra:description": f"{path}: {message}", "detail": f"{path}: {message}",
                   "violations": [{"propertyPath": path, "message": message}]}, 422)


from app.dialects.mailtm import accounts, messages  # noqa: E402,F401 - routes

__all__ = ["bp", "render_error"]
