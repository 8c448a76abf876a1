"""JSON in and out for every door: answers keep their documented key order, and a body
nested too deeply to parse, or holding a NUL character, is a client error, never a crash
(it becomes the ValueError that Flask turns into 400, and get_json(silent=True) into None)."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from app.http.input_guard import has_nul_escape


class MayflyJSON(DefaultJSONProvider):
    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if has_nul_escape(s):
            raise ValueError("The JSON contains a NUL character.")
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON nests too deeply.") from None
