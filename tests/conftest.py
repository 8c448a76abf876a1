"""Fixtures: a fresh migrated database per test, the app, a client, a real SMTP server.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import ROOT, create_app, dispose
from app.config import Settings
from app.extensions import db
from app.services.mailbox_life import domains
from app.smtp.server import MayflyController, build_controller
from tests.factories import build_eml

# Fails any test that leaves a Mayfly background thread running after its app is disposed;
# a DKIM key pair per module for the sender-check tests.
pytest_plugins = ["tests.thread_guard", "tests.mail_auth.stub_dns"]

DOMAINS = ("mayfly.test", "other.test")
# Sender checks never ask the internet's DNS from a test: a process started without a stub
# (tests/mail_auth/stub_dns.py) asks a loopback port where nothing answers.
os.environ.setdefault("AUTH_DNS_SERVERS", "127.0.0.1:9")


def _base_settings(database_url: str, instance: Path) -> Settings:
    # scrypt at its smallest work factor: the suite hashes thousands of passwords, and what
    # is tested is which hash is checked, not how slowly (tests/accounts/test_passwords.py
    # holds the default to the strong one).
    return Settings(database_url=database_url, secret_key="test-secret-0123456789abcdef-0123456789", mail_domains=DOMAINS,
                    instance_path=instance, smtp_max_recipients=5,
                    auth_dns_servers=(os.environ["AUTH_DNS_SERVERS"],), password_scrypt_n=1024)


def _migrate(settings: Settings) -> None:
    from flask_migrate import upgrade

    app = create_app(settings)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, pytestconfig) -> str:
    """SQLite: a migrated file copied for each test. PostgreSQL: migrated once, then truncated."""
    url = _postgres_url()
    if url:
        _migrate(_base_settings(url, tmp_path_factory.mktemp("instance")))
        return url
    template = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(_base_settings(f"sqlite:///{template}", template.parent))
    return str(template)


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (a copy of the
    server's, made empty here), so workers never truncate each other's tables. Everything that
    reads TEST_DATABASE_URL afterwards (fixtures, launched processes) gets the worker's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = _postgres_url()
    if not (worker and url):
        return
    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def settings(database_template: str, tmp_path: Path) -> Settings:
    # Links Mayfly writes start with PUBLIC_URL: the port the test's live server will take.
    public_url = f"http://127.0.0.1:{free_port()}"
    if database_template.startswith("postgresql"):
        return replace(_base_settings(database_template, tmp_path), public_url=public_url)
    path = tmp_path / "mayfly.db"
    shutil.copy(database_template, path)
    return replace(_base_settings(f"sqlite:///{path}", tmp_path), public_url=public_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["TESTING"] = True
    with app.app_context():
        if settings.database_url.startswith("postgresql"):
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        domains.sync_configured()
    yield app
    dispose(app)


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """An app on the same database with some settings changed; disposed after the test."""
    made: list[Flask] = []

    def build(**changes: object) -> Flask:
        made.append(create_app(replace(settings, **changes)))  # type: ignore[arg-type]
        return made[-1]

    yield build
    for app in made:
        dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[MayflyController]:
    """A real aiosmtpd server on a free loopback port, storing through the app."""
    controller = build_controller(app, app.config["MAYFLY"], "127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def send_mail(smtp_server: MayflyController) -> Callable[..., dict]:
    """Send over the socket with smtplib; returns sendmail's refused-recipients dict."""

    def send(to: str | list[str], raw: bytes | None = None, *, sender: str = "alice@example.org",
             **eml: object) -> dict:
        recipients = [to] if isinstance(to, str) else to
        if raw is None:
            raw = build_eml(to=recipients[0], sender=sender, **eml)  # type: ignore[arg-type]
        with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as smtp:
            return smtp.sendmail(sender, recipients, raw)

    return send


@pytest.fixture
def make_user(app: Flask) -> Callable[..., object]:
    """A user in the store: make_user("a@example.org", admin=True)."""
    from app.services.accounts import users

    def make(email: str = "user@example.org", password: str = "correct horse battery",
             admin: bool = False) -> object:
        with app.app_context():
            user = users.create_user(email, password, is_admin=admin)
            return user.id

    return make


@pytest.fixture
def api_key_for(app: Flask) -> Callable[[str], str]:
    """A fresh API key of the user with this email."""
    from app.services.accounts import api_keys, users

    def make(email: str) -> str:
        with app.app_context():
            return api_keys.create_key(users.find_by_email(email), "test").secret

    return make


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server (Debian's package) on a free loopback port."""
    import subprocess
    import time

    import redis

    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def _can_listen(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve an app over real HTTP on a free loopback port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    # On the port its PUBLIC_URL names, so the links it writes lead back to it; if another
    # app of the test took that port, on a free one (its links will not lead here).
    port = urlsplit(app.config["MAYFLY"].public_url).port or 0
    if not _can_listen(port):
        port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url
