"""Mayfly: the app factory, and the end of an app. The processes call the factory at start
(wsgi.py for gunicorn, app/run/ for the launcher's migration and the SMTP processes,
app/mcp/__main__.py for the MCP door); whoever made an app disposes it (gunicorn's
worker_exit hook, the SMTP processes' and the MCP door's stop, the tests' fixtures)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None) -> Flask:
    """Build a Mayfly app: configuration, extensions, doors, error pages, headers, commands."""
    from app import cli, dialects, extensions
    from app.api import bp as api_bp
    from app.api.errors import render_error as render_api_error
    from app.http import (
        cors,
        errors,
        health,
        input_guard,
        limits,
        metrics,
        security_headers,
        static_files,
    )
    from app.http.json import MayflyJSON
    from app.web import register as register_web

    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(settings.instance_path))
    app.config.update(settings.flask_config())
    app.config["MIGRATIONS_DIR"] = ROOT / "migrations"
    app.json = MayflyJSON(app)
    extensions.init_extensions(app)
    # The API authenticates by bearer token only, never by cookie, so CSRF cannot apply.
    extensions.csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    errors.register_renderer("/api", render_api_error)  # every /api/... URL answers JSON
    register_web(app)
    dialects.register(app)
    errors.register(app)
    input_guard.register(app)
    security_headers.register(app)
    cors.register(app)
    limits.register(app)
    metrics.register(app)
    health.register(app)
    static_files.register(app)
    cli.register(app)
    return app


def dispose(app: Flask, timeout: float = 5.0) -> list[str]:
    """The end of an app: every background thread it started (new-mail watcher, webhook
    senders, sender checks) stops, joined within `timeout` seconds, and its store
    connections close. Returns the names of threads still running; safe to repeat."""
    from app.services.runtime import background

    return background.dispose(app, timeout)
