"""Operator commands: `flask purge`, `flask domains …`."""

from __future__ import annotations

import click
from flask import Flask

from app.services import domains, mailboxes


def register(app: Flask) -> None:
    app.cli.add_command(purge)
    app.cli.add_command(domains_group)


@click.command("purge")
def purge() -> None:
    """Delete expired mailboxes and their messages now."""
    count = mailboxes.purge_expired()
    click.echo(f"purged {count} expired mailbox(es)")


@click.group("domains")
def domains_group() -> None:
    """Manage the domains Mayfly receives mail for."""


@domains_group.command("sync")
def domains_sync() -> None:
    """Make every domain in MAIL_DOMAINS exist and be active."""
    domains.sync_configured()
    click.echo(", ".join(d.name for d in domains.list_active()))
