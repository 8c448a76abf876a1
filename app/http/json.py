"""JSON in and out for every door: answers keep their documented key order, and a body
nested too deeply to parse is a client error, never a crash (RecursionError becomes the
ValueError that Flask turns into 400, and that get_json(silent=True) turns into None)."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class MayflyJSON(DefaultJSONProvider):
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON nests too deeply.") from None
