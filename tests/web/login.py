"""Signing a test client in through the real login form."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.helpers import csrf_token

PASSWORD = "correct horse battery"


def log_in(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": password})
