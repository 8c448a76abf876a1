"""API requests a user's keys made, counted per UTC day, and the month's quota of them.

The counts live where the rate limits live: in Redis when RATELIMIT_STORAGE_URI names one
(so every web process on every host counts into the same place, as Flask-Limiter's limits
do), else in the SQL store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Protocol

import redis
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import UsageDay
from app.models.base import utcnow
from app.services.context import settings
from app.services.errors import RequestQuotaExhausted

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


@dataclass(frozen=True)
class RequestQuota:
    limit: int
    used: int
    reset_at: datetime  # when the period restarts

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


def _period(now: datetime) -> tuple[date, datetime]:
    """This calendar month (UTC): its first day and the moment the next one starts."""
    start = now.date().replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, datetime(following.year, following.month, 1, tzinfo=UTC)


def this_month(user_id: int, limit: int, now: datetime | None = None) -> RequestQuota:
    now = now or utcnow()
    start, reset_at = _period(now)
    days = [start + timedelta(days=i) for i in range((now.date() - start).days + 1)]
    return RequestQuota(limit, sum(store().counts(user_id, days)), reset_at)


def check(user_id: int, limit: int) -> RequestQuota:
    """Before an API call: the quota so far, or RequestQuotaExhausted with seconds to wait."""
    quota = this_month(user_id, limit)
    if quota.used >= quota.limit:
        wait = max(1, int((quota.reset_at - utcnow()).total_seconds()))
        raise RequestQuotaExhausted(wait, f"This month's {quota.limit} API requests are used up.")
    return quota


def record(user_id: int) -> None:
    """After a successful (2xx) API call: count it."""
    store().add(user_id, utcnow().date())
