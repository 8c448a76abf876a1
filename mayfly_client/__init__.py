"""A small typed client for Mayfly's native API: mailboxes, waiting for mail, codes and links.

    from mayfly_client import Mayfly, extract_code

    mayfly = Mayfly("http://127.0.0.1:8000")
    box = mayfly.create_mailbox()
    ...  # make the system under test send its sign-up mail to box.address
    message = mayfly.wait_for_message(box.address, subject="Confirm", timeout=30)
    code = extract_code(message)

Standard library only, so it installs anywhere the project does.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

__all__ = ["Mailbox", "Mayfly", "MayflyError", "extract_code", "extract_links", "main_link"]
MAX_WAIT = 60  # seconds the server holds one call


class MayflyError(Exception):
    """An error answer from Mayfly: its HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Mailbox:
    address: str
    expires_at: str | None
    token: str | None = None  # only for a protected mailbox made without an API key


class Mayfly:
    """The native API at `base_url`; with `api_key`, calls act as that user."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", *, api_key: str | None = None,
                 timeout: float = MAX_WAIT + 10) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError("base_url must be an http:// or https:// URL")
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.api_key = api_key
        self.timeout = timeout
        self._tokens: dict[str, str] = {}

    def create_mailbox(self, local: str | None = None, *, domain: str | None = None,
                       protected: bool = False, ttl: int | None = None) -> Mailbox:
        """A new mailbox (random local part unless given); `ttl` seconds shortens its life."""
        body: dict[str, Any] = {k: v for k, v in (("local", local), ("domain", domain),
                                                  ("ttl", ttl)) if v is not None}
        if protected:
            body["protected"] = True
        data = self._call("POST", "/mailboxes", body=body)
        if data.get("token"):
            self._tokens[data["address"]] = data["token"]
        return Mailbox(data["address"], data.get("expires_at"), data.get("token"))

    def delete_mailbox(self, address: str) -> None:
        self._call("DELETE", f"/mailboxes/{_quote(address)}", address=address)

    def messages(self, address: str, *, subject: str | None = None,
                 sender: str | None = None, tag: str | None = None,
                 **verdicts: str) -> list[dict[str, Any]]:
        """Summaries, newest first; `tag` keeps mail sent to name+tag@… only, and
        `dkim="pass"` (or spf, dmarc, arc) only mail with that verdict."""
        query = {"subject": subject, "from": sender, "tag": tag, **_verdicts(verdicts)}
        return self._call("GET", f"/mailboxes/{_quote(address)}/messages", query=query,
                          address=address)["messages"]

    def get_message(self, message_id: int, *, address: str | None = None) -> dict[str, Any]:
        """The whole message, with `codes` and `links`."""
        return self._call("GET", f"/messages/{message_id}", address=address)

    def wait_for_message(self, address: str, *, timeout: float = 30, subject: str | None = None,
                         sender: str | None = None, since: int | None = None,
                         tag: str | None = None, **verdicts: str) -> dict[str, Any]:
        """The newest message matching the filters, as soon as one exists (server-side wait).
        The address may be one nobody has used yet: the wait holds until its first message.
        With `dkim="pass"` (or spf, dmarc, arc) it holds until a message has that verdict.

        Raises TimeoutError when none arrives in time.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching message for {address} within {timeout} s")
            query = {"wait": f"{min(remaining, MAX_WAIT):.1f}", "subject": subject,
                     "from": sender, "since": since, "tag": tag, **_verdicts(verdicts)}
            found = self._call("GET", f"/mailboxes/{_quote(address)}/messages", query=query,
                               address=address)["messages"]
            if found:
                return self.get_message(found[0]["id"], address=address)

    def search(self, query: str = "", *, mailbox: str | None = None,
               limit: int | None = None) -> list[dict[str, Any]]:
        """Summaries matching the search language (`from:acme has:attachment "reset code"`),
        newest first, each with its `mailbox`: in one mailbox, or without one in every mailbox
        the API key's user owns. Follows the cursor up to `limit` results (all without)."""
        found: list[dict[str, Any]] = []
        cursor = None
        while limit is None or len(found) < limit:
            size = 100 if limit is None else min(100, limit - len(found))
            page = self._call("GET", "/search", query={
                "q": query, "mailbox": mailbox, "limit": size, "cursor": cursor},
                address=mailbox)
            found.extend(page["messages"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        return found

    def add_fault(self, address: str, kind: str, *, count: int = 1, code: int | None = None,
                  seconds: int | None = None) -> dict[str, Any]:
        """Make the next `count` deliveries to an owned mailbox fail: kind is refuse_rcpt or
        refuse_data (with `code`), delay (with `seconds`) or drop."""
        body = {k: v for k, v in (("kind", kind), ("count", count), ("code", code),
                                   ("seconds", seconds)) if v is not None}
        return self._call("POST", f"/mailboxes/{_quote(address)}/faults", body=body)

    def faults(self, address: str) -> list[dict[str, Any]]:
        """The mailbox's fault rules, each with `remaining`, `fired` and `last_fired_at`."""
        return self._call("GET", f"/mailboxes/{_quote(address)}/faults")["faults"]

    def delete_fault(self, address: str, rule_id: int) -> None:
        self._call("DELETE", f"/mailboxes/{_quote(address)}/faults/{rule_id}")

    def _call(self, method: str, path: str, *, body: dict[str, Any] | None = None,
              query: dict[str, Any] | None = None, address: str | None = None) -> Any:
        url = self.base_url + path
        pairs = {k: v for k, v in (query or {}).items() if v is not None}
        if pairs:
            url += "?" + urllib.parse.urlencode(pairs)
        headers = {"Accept": "application/json"}
        token = self._tokens.get(address or "") or self.api_key
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # The scheme was checked in __init__: only http(s) reaches urlopen.
        request = urllib.request.Request(url, data=data, method=method,  # noqa: S310
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                payload = answer.read()
        except urllib.error.HTTPError as error:
            try:
                detail = json.loads(error.read())["error"]
            except (ValueError, KeyError, TypeError):
                detail = {"code": "http_error", "message": error.reason}
            raise MayflyError(error.code, detail["code"], detail["message"]) from None
        return json.loads(payload) if payload else None


def extract_code(message: dict[str, Any]) -> str | None:
    """The most likely one-time code Mayfly found in the message, if any."""
    codes = message.get("codes") or []
    return codes[0]["value"] if codes else None


def extract_links(message: dict[str, Any]) -> list[str]:
    """The message's links, in order, each once."""
    return [link["url"] for link in message.get("links") or []]


def main_link(message: dict[str, Any]) -> str | None:
    """The link the message asks its reader to follow (confirm, verify, reset, sign in), as
    Mayfly chose it; None when no link is such. Better than the first link, which is often a
    logo's link home."""
    found = message.get("main_link")
    return found["url"] if found else None


def _verdicts(given: dict[str, str]) -> dict[str, str]:
    unknown = set(given) - {"spf", "dkim", "dmarc", "arc"}
    if unknown:
        raise TypeError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    return given


def _quote(address: str) -> str:
    return urllib.parse.quote(address, safe="@")
