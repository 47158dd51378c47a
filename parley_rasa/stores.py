"""Rasa's Redis lock store and SQL tracker store, made safe for several Rasa servers (team mode).

`AtomicRedisLockStore` -- endpoints.yml `lock_store: {type: parley_rasa.stores.AtomicRedisLockStore}`.
Rasa 3.6's `RedisLockStore` issues a ticket by reading the lock's JSON from Redis, adding a ticket
and writing it back: two servers receiving the same conversation's messages at the same moment
both read "no ticket", both write "ticket 0" and both go ahead (measured: 3 ms apart, 16 of 105
user events lost from the shared history). Here every read-modify-write of a lock runs in a Redis
transaction (WATCH/MULTI/EXEC, retried when another server changed the lock in between), so
tickets are unique and a conversation is served by one server at a time. The Redis connection
comes from `PARLEY_REDIS_URL` (or the endpoint's `url`), and a command that finds Redis away is retried
for up to 15 s (a restart) instead of failing the message.

`ResilientSQLTrackerStore` -- `tracker_store: {type: parley_rasa.stores.ResilientSQLTrackerStore}`.
Rasa's `SQLTrackerStore` with the database URL from `PARLEY_TRACKER_DB_URL` (one secret shared by
every server the same way), a connection pool that notices dropped connections (`pool_pre_ping`),
and one retry of a read or write that failed on a dropped connection. Without it Rasa's fail-safe
wrapper silently answers from an empty in-memory tracker.

Both have `ping()`, which parley_rasa.health's readiness route calls.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from typing import Any, Callable

import redis
import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

REDIS_URL_ENV = "PARLEY_REDIS_URL"
REDIS_RETRY_SECONDS = 15.0
TRACKER_DB_URL_ENV = "PARLEY_TRACKER_DB_URL"


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=15)


def with_retry(call: Callable[[], Any], seconds: float = REDIS_RETRY_SECONDS) -> Any:
    """Runs a Redis call, retrying on a lost connection for up to `seconds` (a Redis restart takes ~1 s).

    Blocking on purpose: Rasa calls the lock store synchronously, and while Redis is away no message can
    be served safely anyway."""
    deadline, delay = time.monotonic() + seconds, 0.05
    while True:
        try:
            return call()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            if time.monotonic() > deadline:
                raise
            logger.warning("lock store: %s; retrying", error)
            time.sleep(delay)
            delay = min(1.0, delay * 2)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's ticket lock in Redis with atomic updates (see the module doc)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, url: str | None = None,
                 key_prefix: str | None = None) -> None:  # noqa: D107 - Rasa's RedisLockStore.__init__ is bypassed
        kwargs = dict(endpoint_config.kwargs) if endpoint_config is not None else {}
        url = url or os.environ.get(REDIS_URL_ENV) or (endpoint_config.url if endpoint_config else None)
        if not url:
            raise ValueError(f"AtomicRedisLockStore needs a Redis URL: set {REDIS_URL_ENV} (redis://host:port/db)")
        self.red = redis_client(url if "://" in url else f"redis://{url}")
        self.key_prefix = "lock:"
        prefix = key_prefix or kwargs.get("key_prefix")
        if prefix:
            self._set_key_prefix(str(prefix))
        self.red.ping()  # a wrong URL stops the server at start-up, not on the first message

    def ping(self) -> None:
        self.red.ping()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return with_retry(lambda: super(AtomicRedisLockStore, self).get_lock(conversation_id))

    def delete_lock(self, conversation_id: str) -> None:
        with_retry(lambda: super(AtomicRedisLockStore, self).delete_lock(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        with_retry(lambda: super(AtomicRedisLockStore, self).save_lock(lock))

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def _atomic(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, Any]]
                ) -> Any:
        """Runs `change(lock) -> (lock to save or None to delete, result)` as one Redis transaction."""
        key = self._key(conversation_id)
        result: list = []

        def run(pipe: redis.client.Pipeline) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new, value = change(lock)
            pipe.multi()
            if new is None:
                pipe.delete(key)
            else:
                pipe.set(key, new.dumps())
            result[:] = [value]

        with_retry(lambda: self.red.transaction(run, key))
        return result[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def add(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            lock.remove_expired_tickets()  # a server killed while holding the lock frees it at its expiry
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return int(self._atomic(conversation_id, add))
        except Exception as error:  # as Rasa's: the message fails with a LockError, the channel answers
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        if with_retry(lambda: self.red.exists(self._key(conversation_id))):
            self._atomic(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def done(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._atomic(conversation_id, done)


class ResilientSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store for a shared database (see the module doc)."""

    def __init__(self, domain: Any = None, host: str | None = None, event_broker: Any = None,
                 **kwargs: Any) -> None:  # noqa: D107
        url = os.environ.get(TRACKER_DB_URL_ENV) or kwargs.pop("url", None)
        if url:
            parsed = sa.engine.make_url(url)
            kwargs.update(dialect=parsed.get_backend_name(), host=parsed.host, port=parsed.port,
                          db=parsed.database, username=parsed.username, password=parsed.password)
        else:
            kwargs.setdefault("host", host)
        for name in ("type", "url_env"):
            kwargs.pop(name, None)
        super().__init__(domain=domain, event_broker=event_broker, **kwargs)
        engine_url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(engine_url, pool_pre_ping=True, pool_recycle=1800,
                                       **create_engine_kwargs(engine_url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._retry(lambda: super(ResilientSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return await self._retry(lambda: super(ResilientSQLTrackerStore, self).retrieve_full_tracker(conversation_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retry(lambda: super(ResilientSQLTrackerStore, self).save(tracker))

    async def _retry(self, call: Callable[[], Any]) -> Any:
        for attempt in range(3):
            try:
                return await call()
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
                if attempt == 2:
                    raise
                logger.warning("tracker store: %s; retrying", str(error).splitlines()[0])
                await asyncio.sleep(0.5 * (attempt + 1))
        return None
