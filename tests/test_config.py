"""Configuration: defaults, validation with one-line errors, and the README's table."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app import ROOT
from app.config import ConfigError, Settings, markdown_table


def test_defaults(tmp_path: Path):
    settings = Settings.from_env({}, instance_path=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'mayfly.db'}"
    assert settings.mail_domains == ("mayfly.test",)
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", 2525)
    assert settings.public_mailbox_ttl == timedelta(hours=1)
    assert settings.max_message_size == 10 * 1024 * 1024
    assert settings.ratelimit_storage_uri == "memory://"


def test_secret_key_generated_once_and_kept(tmp_path: Path):
    first = Settings.from_env({}, instance_path=tmp_path).secret_key
    second = Settings.from_env({}, instance_path=tmp_path).secret_key
    assert first == second
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_values_parsed(tmp_path: Path):
    settings = Settings.from_env({
        "MAIL_DOMAINS": " A.test, b.test ", "PUBLIC_MAILBOX_TTL": "15m",
        "MAX_MESSAGE_SIZE": "512KiB", "SMTP_PORT": "25",
        "DATABASE_URL": "postgresql://u:p@db/mayfly", "RATELIMIT_STORAGE_URI": "redis://r:6379",
        "API_CORS_ORIGINS": "https://App.example/, http://localhost:3000",
    }, instance_path=tmp_path)
    assert settings.mail_domains == ("a.test", "b.test")
    assert settings.default_domain == "a.test"
    assert settings.public_mailbox_ttl == timedelta(minutes=15)
    assert settings.max_message_size == 512 * 1024
    assert settings.database_url == "postgresql+psycopg://u:p@db/mayfly"
    assert settings.api_cors_origins == ("https://app.example", "http://localhost:3000")


@pytest.mark.parametrize(("name", "value"), [
    ("SMTP_PORT", "seventy"), ("SMTP_PORT", "70000"), ("MAIL_DOMAINS", "not a domain"),
    ("MAIL_DOMAINS", ","), ("PUBLIC_MAILBOX_TTL", "1 fortnight"), ("MAX_MESSAGE_SIZE", "big"),
    ("DATABASE_URL", "mysql://x"), ("RATELIMIT_STORAGE_URI", "memcached://x"),
    ("SMTP_MAX_RECIPIENTS", "0"), ("API_CORS_ORIGINS", "app.example"),
    ("API_CORS_ORIGINS", "https://app.example/path"), ("API_CORS_ORIGINS", "*, https://a.example"),
    ("PUBLIC_URL", "mail.example.com"), ("PUBLIC_URL", "ftp://mail.example.com"),
    ("PUBLIC_URL", "https://mail.example.com/mayfly"), ("PUBLIC_URL", "https://a.example?x=1"),
    ("PUBLIC_URL", "https://user@mail.example.com"), ("PUBLIC_URL", "https://a.example:99999"),
])
def test_bad_value_names_the_variable(tmp_path: Path, name: str, value: str):
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: value}, instance_path=tmp_path)
    message = str(info.value)
    assert message.startswith(f"{name}=")
    assert "\n" not in message


def test_smtpd_runner_stops_with_one_line_on_bad_config(tmp_path: Path):
    result = subprocess.run([sys.executable, "smtpd_runner.py"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "SMTP_PORT": "nope",
                                 "SECRET_KEY": "x" * 40})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mayfly: SMTP_PORT='nope' is not valid: invalid literal for int() with base 10: 'nope'"]


def test_readme_table_is_the_settings_table():
    # Written once, in app/config.py; `python -m app.config` prints the table to paste.
    assert markdown_table() in (ROOT / "README.md").read_text()


def test_field_defaults_are_the_documented_ones(tmp_path: Path):
    from app.config import variables

    parsed = Settings.from_env({}, instance_path=tmp_path)
    for variable in variables():
        if variable.metadata["env"] not in ("DATABASE_URL", "SECRET_KEY", "INSTANCE_PATH",
                                            "PUBLIC_URL"):
            assert getattr(parsed, variable.name) == variable.default, variable.name


def test_public_url_is_an_origin_and_defaults_to_where_scripts_serve_listens(tmp_path: Path):
    assert Settings.from_env({}, instance_path=tmp_path).public_url == "http://localhost:8000"
    assert Settings.from_env({"WEB_PORT": "9090"},
                             instance_path=tmp_path).public_url == "http://localhost:9090"
    assert Settings.from_env({"PUBLIC_URL": " HTTPS://Mail.Example.com/ "},
                             instance_path=tmp_path).public_url == "https://mail.example.com"
    assert Settings.from_env({"PUBLIC_URL": "http://[::1]:8080"},
                             instance_path=tmp_path).public_url == "http://[::1]:8080"


def test_short_secret_key_refused(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"SECRET_KEY": "too-short"}, instance_path=tmp_path)
    assert str(info.value).startswith("SECRET_KEY=")
