"""In-process publish/subscribe for pushed messages (server-sent events): one bounded asyncio queue
per subscriber, fed from any thread; a subscriber too slow to keep up is dropped, never waited for."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Hashable

QUEUE_SIZE = 32


class Subscription:
    """One subscriber's queue on its event loop; `None` from `get` means it was dropped."""

    def __init__(self, topic: Hashable, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.topic = topic
        self.loop = loop
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=size)
        self.dropped = False

    async def get(self) -> str | None:
        return await self.queue.get()

    def _offer(self, message: str) -> None:  # on the subscriber's loop
        if self.dropped:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class Hub:
    """Topics (any hashable, e.g. a workshop and a date) and their subscribers."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscribers: dict[Hashable, set[Subscription]] = {}
        self._lock = threading.Lock()

    def subscribe(self, topic: Hashable) -> Subscription:
        """Subscribe on the running event loop."""
        sub = Subscription(topic, asyncio.get_running_loop(), self.queue_size)
        with self._lock:
            self._subscribers.setdefault(topic, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subscribers.get(sub.topic)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscribers[sub.topic]

    def subscribers(self, topic: Hashable) -> int:
        with self._lock:
            return len(self._subscribers.get(topic, ()))

    def publish(self, topic: Hashable, message: str) -> int:
        """Hand `message` to every subscriber of `topic` (from any thread); how many there were.
        A subscriber whose queue is full is dropped (its stream ends)."""
        with self._lock:
            subs = list(self._subscribers.get(topic, ()))
        for sub in subs:
            with contextlib.suppress(RuntimeError):  # its loop is closed: it is gone
                sub.loop.call_soon_threadsafe(sub._offer, message)
            if sub.dropped:
                self.unsubscribe(sub)
        return len(subs)
