"""A process's memory of things it has built or read lately: a bounded map, least recently used first out, safe to
share between threads. For values whose key names everything they depend on (a course's revision, a language, a
catalog version...), so that an entry never goes stale and only its bound forgets it: outlines, rendered fragments
and bodies, JSON-LD contexts. What may change under an unchanged key belongs here only when every use checks it (the
modules an item page reads: progress.selectors.learner)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


class ProcessLRU(Generic[V]):
    """At most `size` entries; a read or a write makes an entry the most recent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: V | None = None) -> V | None:
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._entries.move_to_end(key)
            return value  # type: ignore[return-value]

    def get_many(self, keys: Iterable[Any]) -> dict[Any, V]:
        """The entries of `keys` this process holds."""
        with self._lock:
            found = {key: self._entries[key] for key in keys if key in self._entries}
            for key in found:
                self._entries.move_to_end(key)
        return found

    def set(self, key: Hashable, value: V) -> None:
        self.update({key: value})

    def __setitem__(self, key: Hashable, value: V) -> None:
        self.update({key: value})

    def update(self, entries: Mapping[Any, V]) -> None:
        with self._lock:
            for key, value in entries.items():
                self._entries[key] = value
                self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        """The entry of `key`, else `build()`'s value, kept (built outside the lock: two threads may both build it;
        the values are equal by the key's contract)."""
        value = self.get(key, _MISSING)  # type: ignore[arg-type]
        if value is _MISSING:
            value = build()
            self.set(key, value)
        return value  # type: ignore[return-value]

    def clear(self) -> None:
        """Forget every entry (tests: a rolled-back test hands out the same tree paths again)."""
        with self._lock:
            self._entries.clear()

    def keys_by_use(self) -> list[Hashable]:
        """The keys, least recently used first."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries
