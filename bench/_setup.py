"""A throwaway migrated Mayfly with a filled mailbox, for in-process benchmarks."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from app import ROOT, create_app
from app.config import Settings
from app.services.ingest import delivery
from app.services.mailbox_life import domains
from tests.factories import build_eml


def filled_app(messages: int) -> tuple[Flask, str]:
    """An app on a fresh SQLite file whose one mailbox holds `messages` messages."""
    folder = Path(tempfile.mkdtemp(prefix="mayfly-bench-"))
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}",
                        secret_key="bench-" + "0123456789abcdef" * 3, instance_path=folder)
    app = create_app(settings)
    address = "bench@mayfly.test"
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        domains.sync_configured()
        for i in range(messages):
            delivery.deliver("a@example.org", [address],
                             build_eml(to=address, subject=f"Message {i}", text="Hello " * 40))
    return app, address
