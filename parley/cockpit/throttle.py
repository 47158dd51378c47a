"""Sign-in throttling: after `limit` wrong passwords for one user name (or from one address) within
`window` seconds, further tries are refused until the window has passed.  In memory, per process."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Callable, Deque, Dict


class Throttle:
    def __init__(self, limit: int = 5, window: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> Deque[float]:
        now, seen = self.clock(), self._failures[key]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        return seen

    def blocked(self, *keys: str) -> float:
        """Seconds until a try is allowed again (0 when allowed now)."""
        with self._lock:
            waits = [self.window - (self.clock() - seen[0]) for seen in map(self._recent, keys)
                     if len(seen) >= self.limit]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._recent(key).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
