"""Query answers kept for reuse: the dataset only changes with a new build, so an answer does too.

Two layers. Every answer carries an ETag computed from the build and the request (query text,
dataset parameters, negotiated format, row cap) *before* the query runs, so a client or proxy
that revalidates with ``If-None-Match`` gets a 304 without any work. And each worker process
keeps recent answers in a least-recently-used cache bounded in bytes, so a repeated query (the
catalog's, the pages' charts, a dashboard polling) is answered without a query process.
Only complete, successful answers are kept; errors and timeouts are always recomputed.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from ..query.sandbox import Answer


@dataclass(frozen=True)
class AnswerKey:
    """Everything the bytes of an answer depend on, given the build."""
    build: str
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    tabular_fmt: str | None
    graph_fmt: str | None
    max_rows: int

    @property
    def etag(self) -> str:
        digest = hashlib.sha256()
        for part in (self.build, self.query, *self.default_graphs, "|", *self.named_graphs, "|",
                     self.tabular_fmt or "", self.graph_fmt or "", str(self.max_rows)):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        return f"q-{digest.hexdigest()[:32]}"


class AnswerCache:
    """A thread-safe LRU of answers, bounded by the total size of their bodies."""

    def __init__(self, max_bytes: int = 64 * 1024 ** 2, max_entry: int = 4 * 1024 ** 2):
        self.max_entry = min(max_entry, max_bytes)      # 0 turns the cache off
        self._entries: LRUCache[AnswerKey, Answer] = LRUCache(maxsize=max(max_bytes, 1),
                                                              getsizeof=lambda a: len(a.body) + 512)
        self._lock = threading.Lock()

    def get(self, key: AnswerKey) -> Answer | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: AnswerKey, answer: Answer) -> None:
        if len(answer.body) + 512 > self.max_entry:
            return
        with self._lock:
            self._entries[key] = answer

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return int(self._entries.currsize)
