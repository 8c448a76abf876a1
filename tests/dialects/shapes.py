"""Exact JSON shapes: the same keys as the seed, each with the seed's type."""

from __future__ import annotations

from typing import Any

NULLABLE = type(None)


def assert_shape(value: Any, shape: dict[str, Any]) -> None:
    """Exactly these keys; each value of the given type (a tuple allows several)."""
    assert isinstance(value, dict), value
    assert set(value) == set(shape), f"keys {sorted(value)} != {sorted(shape)}"
    for key, kind in shape.items():
        if isinstance(kind, dict):
            assert_shape(value[key], kind)
        elif isinstance(kind, list):
            assert isinstance(value[key], list), (key, value[key])
            for item in value[key]:
                assert_shape(item, kind[0]) if isinstance(kind[0], dict) else \
                    isinstance(item, kind[0])
        else:
            # bool is an int in Python; a field typed int must not be a bool.
            assert isinstance(value[key], kind) and not (
                kind is int and isinstance(value[key], bool)), (key, value[key], kind)
