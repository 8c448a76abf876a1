"""The browser door: HTML pages and htmx fragments."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register the browser blueprints."""
