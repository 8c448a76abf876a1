"""State one app keeps for the life of its process (caches, slot counters), made on first use.

Kept on the app, not the module: tests build many apps in one process, and one store's ids
or one configuration's caps mean nothing to another app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")


def per_app(name: str, make: Callable[[], T]) -> T:
    """The current app's object called `name`, made by `make` the first time."""
    found = current_app.extensions.get(name)
    if found is None:
        found = current_app.extensions.setdefault(name, make())
    return found  # type: ignore[no-any-return]
