"""Operator commands: `flask purge`, `flask users …`, `flask keys …`, `flask domains …`."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.config_values import DOMAIN_TYPES, parse_domain_types, parse_size
from app.models import User
from app.services.accounts import api_keys, users
from app.services.errors import MayflyError
from app.services.mailbox_life import domains, mailbox_accounts, purge


# AppGroup runs each subcommand inside an app context, however the CLI is invoked.
def register(app: Flask) -> None:
    for command in (purge_command, users_group, keys_group, domains_group, mailboxes_group):
        app.cli.add_command(command)


def _fail(exc: MayflyError) -> None:
    raise click.ClickException(exc.message)


def _run(action: Callable[[], object], done: str) -> None:
    """Run a service call; a domain error becomes the command's one-line error."""
    try:
        action()
    except MayflyError as exc:
        _fail(exc)
    click.echo(done)


def _user(email: str) -> User:
    user = users.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user {email!r}.")
    return user


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete mailboxes expired longer than EXPIRED_HOLD ago, and their messages, now."""
    count = purge.purge_expired(grace=current_app.config["MAYFLY"].expired_hold)
    click.echo(f"purged {count} expired mailbox(es)")


@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
def users_create(email: str, admin: bool) -> None:
    """Create a user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = users.create_user(email, password, is_admin=admin)
    except MayflyError as exc:
        _fail(exc)
    click.echo(f"created {user.email}{' (admin)' if admin else ''}")


@users_group.command("set-password")
@click.argument("email")
def users_set_password(email: str) -> None:
    """Set a user's password (read from standard input); their sessions end."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        users.set_password(_user(email), password)
    except MayflyError as exc:
        _fail(exc)
    click.echo(f"password set for {email}")


@users_group.command("plan")
@click.argument("email")
@click.option("--requests", type=int, help="API requests per month.")
@click.option("--mailboxes", "mailboxes_limit", type=int, help="Mailboxes at once.")
@click.option("--storage", help="Stored bytes, such as 500MiB.")
@click.option("--domain-types", help=f"Comma-separated: {', '.join(DOMAIN_TYPES)}.")
def users_plan(email: str, requests: int | None, mailboxes_limit: int | None,
               storage: str | None, domain_types: str | None) -> None:
    """Set a user's plan limits (the others stay as they are)."""
    try:
        size = parse_size(storage) if storage else None
        kinds = parse_domain_types(domain_types) if domain_types else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    users.set_plan(_user(email), requests=requests, mailboxes_limit=mailboxes_limit,
                   storage=size, domain_types=kinds)
    click.echo(f"plan updated for {email}")


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """Manage API keys."""


@keys_group.command("create")
@click.argument("email")
@click.option("--name", default="API key", help="A name to recognize the key by.")
def keys_create(email: str, name: str) -> None:
    """Create a key for a user and print it, alone on its line (shown only this once)."""
    try:
        created = api_keys.create_key(_user(email), name)
    except MayflyError as exc:
        _fail(exc)
    click.echo(created.secret)


@keys_group.command("revoke")
@click.argument("prefix")
def keys_revoke(prefix: str) -> None:
    """Revoke the key with this prefix (mf_xxxxxxxx); it stops working at once."""
    try:
        key = api_keys.revoke_by_prefix(prefix)
    except MayflyError as exc:
        _fail(exc)
    click.echo(f"revoked {key.prefix} ({key.name})")


@click.group("domains", cls=AppGroup)
def domains_group() -> None:
    """Manage the domains Mayfly receives mail for."""


@domains_group.command("sync")
def domains_sync() -> None:
    """Add the domains in MAIL_DOMAINS that are missing."""
    domains.sync_configured()
    click.echo(", ".join(d.name for d in domains.list_active()))


@domains_group.command("list")
def domains_list() -> None:
    """Every domain with its type and status."""
    for d in domains.list_all():
        click.echo(f"{d.name}\t{d.kind}\t{'active' if d.active else 'disabled'}")


@domains_group.command("add")
@click.argument("name")
@click.option("--type", "kind", type=click.Choice(DOMAIN_TYPES), default="free")
def domains_add(name: str, kind: str) -> None:
    """Add a domain; it receives mail at once."""
    _run(lambda: domains.add_domain(name, kind), f"added {name} ({kind})")


@domains_group.command("disable")
@click.argument("name")
def domains_disable(name: str) -> None:
    """Stop receiving for a domain at once (SMTP 550) and stop offering it."""
    _run(lambda: domains.update_domain(name, active=False), f"disabled {name}")


@domains_group.command("enable")
@click.argument("name")
def domains_enable(name: str) -> None:
    """Receive for a domain again."""
    _run(lambda: domains.update_domain(name, active=True), f"enabled {name}")


@domains_group.command("type")
@click.argument("name")
@click.argument("kind", type=click.Choice(DOMAIN_TYPES))
def domains_type(name: str, kind: str) -> None:
    """Set a domain's type (which plans may create mailboxes there)."""
    _run(lambda: domains.update_domain(name, kind=kind), f"{name} is now {kind}")


@click.group("mailboxes", cls=AppGroup)
def mailboxes_group() -> None:
    """Manage single mailboxes."""


@mailboxes_group.command("disable")
@click.argument("address")
def mailboxes_disable(address: str) -> None:
    """Disable an account mailbox: its sign-ins and tokens are refused (403)."""
    _run(lambda: mailbox_accounts.set_disabled(address, True), f"disabled {address}")


@mailboxes_group.command("enable")
@click.argument("address")
def mailboxes_enable(address: str) -> None:
    """Enable a disabled account mailbox again."""
    _run(lambda: mailbox_accounts.set_disabled(address, False), f"enabled {address}")
