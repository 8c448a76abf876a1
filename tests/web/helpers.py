"""Helpers for driving the browser door through the Flask test client."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]+)"')
ADDRESS = re.compile(r'<output id="address" class="address" hx-disable>([^<]+)</output>')


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, "page has no CSRF token"
    return VALUE.search(match.group(0)).group(1)


def page_address(response: TestResponse) -> str:
    match = ADDRESS.search(response.get_data(as_text=True))
    assert match, "page shows no address"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, str] | None = None,
              **kwargs) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)
