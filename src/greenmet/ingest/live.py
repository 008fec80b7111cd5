"""A live feed of what ingestion stores: in-process subscribers get each acknowledged batch.

The monitoring engine and the web live view need plant values as they arrive, without polling
the historian's files. :class:`LiveFeed` hands every batch the historian has acknowledged (the
points are in its write-ahead log) to

- **async iterators**: ``async for batch in feed.subscribe(): …``; each subscriber has its own
  bounded queue, so a slow one never holds up ingestion or the other subscribers: when its queue
  is full the oldest batch is dropped and the next batch it reads says how many it missed
  (:attr:`LiveBatch.missed_batches`), so a consumer knows to re-read that span from the
  historian;
- **callbacks**: ``feed.add_callback(function)``; called in the ingestion's event loop with each
  batch, so they must return quickly (hand work to a thread or a queue). An exception in a
  callback is logged and the callback stays registered; ingestion carries on.

A batch is published after it was acknowledged and before it is visible to historian queries
(queries see flushed parts, see ``flush_interval_s`` of
:class:`~greenmet.ingest.opcua_client.OpcUaIngest`): the feed is the fastest path to a value.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pyarrow as pa

from greenmet.errors import InputError

__all__ = ["LiveBatch", "LiveFeed", "LiveSubscription"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveBatch:
    """One batch of points acknowledged by the historian of one furnace.

    Attributes
    ----------
    site, furnace
        Where the points are stored.
    points
        Arrow table with the historian's point schema: ``ts`` (UTC, µs), ``tag``, ``value`` (in
        the glossary unit of the tag), ``quality`` (0 good, 64 uncertain, 128 bad).
    acknowledged_at
        When the historian acknowledged the batch (UTC).
    missed_batches
        Batches this subscriber lost just before this one because it read too slowly
        (always 0 for callbacks). [dimensionless]
    """

    site: str
    furnace: str
    points: pa.Table
    acknowledged_at: dt.datetime
    missed_batches: int = 0


class LiveSubscription:
    """An async iterator over the batches published after it was created (see :class:`LiveFeed`)."""

    def __init__(self, feed: LiveFeed, max_batches: int) -> None:
        self._feed = feed
        # each entry: a batch and how many batches were dropped just before it
        self._queue: collections.deque[tuple[LiveBatch, int]] = collections.deque()
        self._max_batches = max_batches
        self._ready = asyncio.Event()
        self._closed = False

    def _offer(self, batch: LiveBatch) -> None:
        if self._closed:
            return
        self._queue.append((batch, 0))
        if len(self._queue) > self._max_batches:
            _, missed = self._queue.popleft()
            following, before = self._queue[0]
            self._queue[0] = (following, before + missed + 1)
        self._ready.set()

    def close(self) -> None:
        """Stop receiving; the iterator ends after the batches already queued."""
        self._closed = True
        self._feed._discard(self)
        self._ready.set()

    def __aiter__(self) -> AsyncIterator[LiveBatch]:
        return self

    async def __anext__(self) -> LiveBatch:
        while not self._queue:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        batch, missed = self._queue.popleft()
        if missed:
            batch = LiveBatch(batch.site, batch.furnace, batch.points, batch.acknowledged_at, missed)
        return batch

    async def __aenter__(self) -> LiveSubscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


class LiveFeed:
    """Fan-out of acknowledged batches to in-process subscribers (iterators and callbacks)."""

    def __init__(self) -> None:
        self._subscriptions: list[LiveSubscription] = []
        self._callbacks: list[Callable[[LiveBatch], object]] = []
        self._closed = False

    def subscribe(self, *, max_batches: int = 1000) -> LiveSubscription:
        """An async iterator over the batches published from now on.

        Parameters
        ----------
        max_batches
            Batches kept for this subscriber while it does not read; beyond that the oldest are
            dropped and counted in the next batch's ``missed_batches``. [dimensionless]
        """
        if max_batches < 1:
            raise InputError("a subscriber must keep at least one batch", field="max_batches",
                             value=max_batches, fix="give a positive number, e.g. 1000")
        subscription = LiveSubscription(self, max_batches)
        if self._closed:
            subscription._closed = True
        else:
            self._subscriptions.append(subscription)
        return subscription

    def add_callback(self, callback: Callable[[LiveBatch], object]) -> None:
        """Call ``callback(batch)`` in the ingestion's event loop for every batch published."""
        self._callbacks.append(callback)

    def remove_callback(self, callback: Callable[[LiveBatch], object]) -> None:
        """Stop calling ``callback`` (nothing happens if it was not registered)."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    @property
    def subscribers(self) -> int:
        """Iterators and callbacks currently registered. [dimensionless]"""
        return len(self._subscriptions) + len(self._callbacks)

    def publish(self, batch: LiveBatch) -> None:
        """Hand ``batch`` to every subscriber (called by the ingestion once it is acknowledged)."""
        for subscription in list(self._subscriptions):
            subscription._offer(batch)
        for callback in list(self._callbacks):
            try:
                callback(batch)
            except Exception:  # a subscriber's defect must not stop ingestion
                logger.exception("a live-feed callback failed on a batch of %d points", batch.points.num_rows)

    def close(self) -> None:
        """End every iterator (after what it has queued); later subscriptions end at once."""
        self._closed = True
        for subscription in list(self._subscriptions):
            subscription.close()

    def reopen(self) -> None:
        """Accept subscribers again (a new run of the same ingestion)."""
        self._closed = False

    def _discard(self, subscription: LiveSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
