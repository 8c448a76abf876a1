"""The running app's settings, for services that need a limit or a lifetime."""

from __future__ import annotations

from flask import current_app

from app.config import Settings


def settings() -> Settings:
    found: Settings = current_app.config["MAYFLY"]
    return found
