"""A browser-like HTTP client for tests over real sockets: cookies, CSRF tokens, forms."""

from __future__ import annotations

import re

import requests

CSRF = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"|\bvalue="([^"]+)"[^>]*name="csrf_token"')
PASSWORD = "correct horse battery"


class Browser:
    """One visitor: a cookie jar against a running Mayfly."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers.update(headers or {})

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)

    def csrf(self, path: str = "/") -> str:
        match = CSRF.search(self.get(path).text)
        assert match, f"{path} has no CSRF token"
        return match.group(1) or match.group(2)

    def post_form(self, path: str, data: dict[str, str] | None = None,
                  page: str = "/") -> requests.Response:
        fields = {"csrf_token": self.csrf(page), **(data or {})}
        return self.http.post(self.base + path, data=fields, allow_redirects=False, timeout=30)

    def sign_up(self, email: str, password: str = PASSWORD) -> requests.Response:
        return self.post_form("/signup", {"email": email, "password": password,
                                          "confirm": password}, page="/signup")

    def log_in(self, email: str, password: str = PASSWORD) -> requests.Response:
        return self.post_form("/login", {"email": email, "password": password}, page="/login")

    def cookies(self) -> dict[str, str]:
        return self.http.cookies.get_dict()

    def with_cookies(self, cookies: dict[str, str]) -> Browser:
        """Another browser that replays these cookies (a stolen or kept session)."""
        other = Browser(self.base, dict(self.http.headers))
        other.http.cookies.update(cookies)
        return other
