"""Where API request counts live: the SQL store on one machine, Redis across many.

Redis is chosen when RATELIMIT_STORAGE_URI is a redis:// URL, so that every web process on
every host counts into the same place, exactly as Flask-Limiter's limits do.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Protocol

import redis
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import UsageDay
from app.services.context import settings

REDIS_KEY = "mayfly:usage:{user_id}:{day}"
REDIS_TTL = timedelta(days=62)  # long enough for this month and the chart of the last 30 days


class UsageStore(Protocol):
    def add(self, user_id: int, day: date) -> None: ...
    def counts(self, user_id: int, days: list[date]) -> list[int]: ...


class SqlUsage:
    """One row per user and UTC day, incremented with an upsert."""

    def add(self, user_id: int, day: date) -> None:
        insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(UsageDay).values(user_id=user_id, day=day, requests=1)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[UsageDay.user_id, UsageDay.day],
            set_={"requests": UsageDay.requests + 1}))
        db.session.commit()

    def counts(self, user_id: int, days: list[date]) -> list[int]:
        rows = dict(db.session.execute(
            sa.select(UsageDay.day, UsageDay.requests)
            .where(UsageDay.user_id == user_id, UsageDay.day.in_(days))).all())
        return [rows.get(day, 0) for day in days]


class RedisUsage:
    """INCR on one key per user and day, shared by every process that uses the same Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def add(self, user_id: int, day: date) -> None:
        key = REDIS_KEY.format(user_id=user_id, day=day.isoformat())
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, REDIS_TTL)
        pipe.execute()

    def counts(self, user_id: int, days: list[date]) -> list[int]:
        keys = [REDIS_KEY.format(user_id=user_id, day=d.isoformat()) for d in days]
        return [int(v or 0) for v in self.client.mget(keys)] if keys else []


@cache
def _redis(uri: str) -> redis.Redis:
    return redis.Redis.from_url(uri)


def store() -> UsageStore:
    uri = settings().ratelimit_storage_uri
    if uri.startswith(("redis://", "rediss://")):
        return RedisUsage(_redis(uri))
    if uri.startswith("redis+unix://"):  # Flask-Limiter's spelling; redis-py says unix://
        return RedisUsage(_redis("unix://" + uri.removeprefix("redis+unix://")))
    return SqlUsage()
