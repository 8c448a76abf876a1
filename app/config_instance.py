"""What settings derive from the instance folder and the database URL: the default SQLite
file, the secret key generated once and kept, the engine's options."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'mayfly.db'}"


def database_url_parser(instance_path: Path) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.startswith("sqlite:///instance/"):
            # The documented default names the instance folder relative to the checkout.
            return default_database_url(instance_path).replace(
                "mayfly.db", text.removeprefix("sqlite:///instance/"))
        if text.startswith("postgresql://"):
            # psycopg 3 is the driver Mayfly ships; plain postgresql:// would ask for psycopg2.
            return "postgresql+psycopg://" + text.removeprefix("postgresql://")
        if not text.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        return text

    return parse


def engine_options(url: str) -> dict[str, object]:
    if url.startswith("sqlite"):
        # The SMTP sidecar and the web workers write the same file; wait for the lock.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def stored_secret(instance_path: Path) -> str:
    """A secret generated once and kept, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
