"""mail.tm's accounts: the domains to make one at, making one, its JWT, and who a request's
Bearer token says is asking."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request

from app.dialects._common import public_domains
from app.dialects.mailtm import bp
from app.dialects.mailtm.jsonld import answer, collection, item, time
from app.extensions import limiter
from app.http.credentials import bearer_token
from app.http.limits import CREATE_LIMIT, charge_password_attempt, forget_password_attempts
from app.models import Domain, Mailbox
from app.services.access import Principal
from app.services.context import settings
from app.services.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from app.services.ids import MAX_ROW_ID, parse_id
from app.services.mailbox_life import domains, mailbox_accounts


def current_account() -> Mailbox:
    """The account the request's JWT names (looked up once per request); 401 without one."""
    if "mailtm_account" not in g:
        token = bearer_token()
        if token is None:
            raise Unauthorized("JWT Token not found")
        try:
            g.mailtm_account = mailbox_accounts.from_token(token)
        except Unauthorized:
            raise Unauthorized("Invalid JWT Token") from None
    account: Mailbox = g.mailtm_account
    return account


def principal() -> Principal:
    """The account's own mailbox, and nothing else."""
    return Principal(mailbox_ids=frozenset({current_account().id}))


def _account_json(mailbox: Mailbox) -> dict[str, Any]:
    return item("Account", f"/accounts/{mailbox.id}", {
        "id": str(mailbox.id), "address": mailbox.address, "quota": settings().mailbox_quota,
        "used": mailbox.used_bytes, "isDisabled": False, "isDeleted": False,
        "createdAt": time(mailbox.created_at), "updatedAt": time(mailbox.created_at)})


def _domain_json(domain: Domain) -> dict[str, Any]:
    return item("Domain", f"/domains/{domain.id}", {
        "id": str(domain.id), "domain": domain.name, "isActive": True, "isPrivate": False,
        "createdAt": time(domain.created_at), "updatedAt": time(domain.created_at)})


def _offered() -> list[Domain]:
    names = set(public_domains())
    return [d for d in domains.list_active() if d.name in names]


@bp.get("/domains")
def domains_list() -> Response:
    """The domains an account can be made at."""
    found = [_domain_json(d) for d in _offered()]
    return answer(collection("Domain", "/domains", found, len(found)))


@bp.get("/domains/<domain_id>")
def domain_show(domain_id: str) -> Response:
    """One of those domains."""
    found = next((d for d in _offered() if str(d.id) == domain_id), None)
    if found is None:
        raise NotFound()
    return answer(_domain_json(found))


def _credentials() -> tuple[str, str]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("address"), str) \
            or not isinstance(body.get("password"), str):
        raise InvalidInput("address and password are required.")
    return body["address"].strip().lower(), body["password"]


@bp.post("/accounts")
@limiter.limit(CREATE_LIMIT)
def account_create() -> Response:
    """A new account: an address at one of the domains, and a password."""
    address, password = _credentials()
    mailbox = mailbox_accounts.register(address, password)
    return answer(_account_json(mailbox), 201)


@bp.post("/token")
def token_create() -> Response:
    """A JWT for the account (Bearer for every other call)."""
    address, password = _credentials()
    # One account, one count: the address as the lookup reads it, shared with tempemail.
    address = mailbox_accounts.sign_in_address(address)
    # Before the check: guesses are limited.
    charge_password_attempt(mailbox_accounts.GUESS_COUNTER, address)
    try:
        mailbox = mailbox_accounts.authenticate(address, password)
    except (Unauthorized, Forbidden):
        raise Unauthorized("Invalid credentials.") from None
    forget_password_attempts(mailbox_accounts.GUESS_COUNTER, address)
    return answer({"token": mailbox_accounts.issue_token(mailbox), "id": str(mailbox.id)})


@bp.get("/me")
def me() -> Response:
    """The account the token names."""
    return answer(_account_json(current_account()))


def _own_account(account_id: str) -> Mailbox:
    account = current_account()
    if parse_id(account_id, MAX_ROW_ID) != account.id:
        raise NotFound()  # another account's id looks like no account at all
    return account


@bp.get("/accounts/<account_id>")
def account_show(account_id: str) -> Response:
    """The caller's own account, by its id."""
    return answer(_account_json(_own_account(account_id)))


@bp.delete("/accounts/<account_id>")
def account_delete(account_id: str) -> Response:
    """The account, its mailbox and its mail are gone; its tokens stop working."""
    mailbox_accounts.delete(_own_account(account_id))
    return Response(status=204)
