"""Encoded answers kept per process, keyed by what they show, so a repeated read costs one
statement (the freshness check) and no rendering: a mailbox's list is keyed by the
mailbox's version and the query, a message by its id and read state (nothing else of a
stored message ever changes). Bounded in bytes (cachetools' LRU), so memory stays flat
however much mail there is; an entry for a changed mailbox is simply never asked for again.

Every cached answer carries an ETag, and a request whose If-None-Match names it gets
304 Not Modified with no body.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache
from flask import Response, request

from app.http.per_app import per_app

MAX_BYTES = 32 * 1024 * 1024
V = TypeVar("V")


class BoundedCache(Generic[V]):
    """A thread-safe LRU bounded by the summed size of its values."""

    def __init__(self, max_bytes: int, size_of: Callable[[V], int]) -> None:
        self._entries: LRUCache[Hashable, V] = LRUCache(max_bytes, getsizeof=size_of)
        self._size_of = size_of
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: Hashable, value: V) -> None:
        # No single value crowds out the rest.
        if self._size_of(value) <= self._entries.maxsize // 16:
            with self._lock:
                self._entries[key] = value


class ResponseCache(BoundedCache[bytes]):
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        super().__init__(max_bytes, len)


def _cache() -> ResponseCache:
    return per_app("mayfly_response_cache", ResponseCache)


def cached_json(key: Hashable) -> Response | None:
    """The kept answer for `key` (304 when the client already holds it), or None: then the
    caller builds it and hands it to keep_json."""
    body = _cache().get(key)
    return None if body is None else _answer(key, body)


def keep_json(key: Hashable, built: Response) -> Response:
    """`built`, kept under `key` and answered with its ETag; anything but a 200 as it is."""
    if built.status_code != 200:
        return built
    body = built.get_data()
    _cache().put(key, body)
    return _answer(key, body)


def json_answer(key: Hashable, build: Callable[[], Response],
                servable: Callable[[], bool] | None = None) -> Response:
    """The JSON answer for `key`: from the cache, or built once and kept. 304 when the
    client already holds it.

    When the key alone does not prove the caller may see the answer, `servable` is asked
    before a kept answer is used (it checks access, and raises or answers False); `build`
    checks for itself."""
    body = _cache().get(key)
    if body is not None and servable is not None and not servable():
        body = None
    if body is None:
        return keep_json(key, build())
    return _answer(key, body)


def _answer(key: Hashable, body: bytes) -> Response:
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
        response.headers["Cache-Control"] = "private, no-cache"  # may keep, must ask again
    response.set_etag(etag)
    return response
