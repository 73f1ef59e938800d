"""The served dataset: what the web app reads from dist/, loaded once per process.

A ``Site`` holds the build metadata, the catalog of named queries, an in-process engine for
the app's own queries (entity pages, descriptions: trusted and quick), and the pool of
killable query processes for queries that come from outside.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..built import CATALOG_DIR, IN_MEMORY_MAX, IN_MEMORY_MAX_VARIABLE, STORE_DIR, dump_name, has_store, verify
from ..project import Project
from ..query.catalog import load_catalog
from ..query.engine import Engine, QueryEngine
from ..query.fairness import FairGate
from ..query.sandbox import Answer, QueryPool
from .answers import AnswerCache

if TYPE_CHECKING:
    from rdflib import Graph

    from ..remote.engine import RemoteEngine


class Pool(Protocol):
    """What answers outside queries: ``QueryPool`` (killable processes) or ``remote.engine.RemotePool``."""

    def run(self, sparql: str, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            tabular_fmt: str | None = "json", graph_fmt: str | None = "turtle", max_rows: int | None = None,
            timeout: float = 10.0) -> Answer: ...

    def wait_ready(self, timeout: float) -> bool: ...

    def close(self) -> None: ...


@dataclass
class Settings:
    query_timeout: float = 5.0          # seconds a user query may run
    # Results (rows or triples) one answer may hold: a protection far above the dataset's size
    # (a query over every quad of the article gives ~30,000). A query with more gets a 503 that
    # says so, never a cut answer (web/sparql.py too_many_results).
    max_rows: int = 1_000_000
    query_processes: int = 2            # killable processes evaluating user queries
    query_memory: int = 2 * 1024 ** 3   # address-space limit of each, bytes
    answer_cache: int = 64 * 1024 ** 2  # bytes of recent answers each worker keeps; 0 turns it off
    in_memory_max: int = IN_MEMORY_MAX  # up to this many triples, each process holds the data in memory
    store_url: str | None = None        # a SPARQL store holding this build answers every query
    store_query_url: str | None = None  # its query endpoint, when not derived from store_url
    behind_front: bool = False          # served by nkhr serve behind its nginx front (web/front.py)
    query_wait: float | None = None     # seconds a query may wait for a query process (None: query_timeout + 5)
    query_queue: int = 6                # queries waiting for a process at most, per worker
    client_queries: int = 2             # queries one client may have running or waiting, per worker
    base_url: str | None = None         # NKHR_BASE_URL: the public address in every absolute URL (web/hosting.py)


def served_from(dist: Path, metadata: dict[str, Any], in_memory_max: int) -> tuple[Path, str]:
    """What a server of the build in ``dist`` reads (``Site._dataset_path``), and how its log says so.

    The build writes the store only for builds above its own limit (``built.IN_MEMORY_MAX``): a
    lower limit at serve time on a build without one serves dataset.nq from memory, and says so."""
    triples = metadata.get("triples", 0)
    if triples <= in_memory_max:
        return dist / dump_name("nquads"), "dataset.nq, in memory"
    if has_store(metadata):
        return dist / STORE_DIR, f"its on-disk query store, {STORE_DIR}/"
    return dist / dump_name("nquads"), (
        f"dataset.nq, in memory: {IN_MEMORY_MAX_VARIABLE}={in_memory_max} asks for the on-disk query store, "
        f"but this build of {triples} triples has none (it was built with a higher limit; "
        f"build again with {IN_MEMORY_MAX_VARIABLE}={in_memory_max} to have one)")


@dataclass
class Site:
    project: Project
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        self.metadata = verify(self.project)
        self.dist = self.project.dist_dir.resolve()
        self.dataset = self._dataset_path()
        self._remote = self._store_engine()
        self.engine: QueryEngine = self._remote or Engine.open(self.dataset)
        self.graphs = sorted(self.metadata["graphs"])
        self.catalog = load_catalog(self.project.dist_dir / CATALOG_DIR)
        self.shapes = self._load_shapes()
        self.built_at = datetime.fromtimestamp((self.dist / "build.json").stat().st_mtime, tz=UTC)
        self._pool: Pool | None = None
        self.answers = AnswerCache(self.settings.answer_cache)
        self._pool_lock = threading.Lock()
        self._gate: FairGate | None = None

    def _dataset_path(self) -> Path:
        """What every engine of this server reads: ``dataset.nq`` or the build's on-disk store.

        Each web worker and each query process holds its own engine. An in-memory copy answers
        the catalog queries 2-3x faster than the read-only RocksDB store (median 0.7 ms against
        1.7 ms on the article), but it costs every process the whole dataset and its parsing
        time: about 400 MB and 4 s at a million triples, times six processes. So small builds
        are loaded into memory, and larger ones are opened on disk, where the operating
        system's page cache holds one copy for all processes and opening takes milliseconds.
        """
        return served_from(self.dist, self.metadata, self.settings.in_memory_max)[0]

    def _load_shapes(self) -> Graph | None:
        from rdflib import Graph
        path = self.dist / "shapes.ttl"
        return Graph().parse(path, format="turtle") if path.exists() else None

    @property
    def pool(self) -> Pool:
        """Started on first use, so that a forking server starts it in each worker, not the master."""
        with self._pool_lock:
            if self._pool is None and self._remote is not None:      # uses_store
                from ..remote.engine import RemotePool
                self._pool = RemotePool(self._remote, size=self.settings.query_processes)
            if self._pool is None:
                self._pool = QueryPool(self.dataset, size=self.settings.query_processes,
                                       memory_limit=self.settings.query_memory)
            return self._pool

    @property
    def gate(self) -> FairGate:
        """The fair, bounded wait for one of this worker's query processes (query/fairness.py)."""
        with self._pool_lock:
            if self._gate is None:
                s = self.settings
                # A waiting query may have to outlast a whole slow query and a fresh process's start.
                wait = s.query_timeout + 5 if s.query_wait is None else s.query_wait
                self._gate = FairGate(slots=s.query_processes, wait=wait, max_waiting=s.query_queue,
                                      per_client=s.client_queries)
            return self._gate

    @property
    def uses_store(self) -> bool:
        return bool(self.settings.store_url or self.settings.store_query_url)

    def _store_engine(self) -> RemoteEngine | None:
        """With a store (``serve --store``), the app's own queries go there too, and the dataset
        is not loaded into this process: that is the point of a store."""
        if not self.uses_store:
            return None
        from ..remote.engine import RemoteEngine
        return RemoteEngine.for_url(self.settings.store_url, self.settings.store_query_url,
                                    self.metadata["graphs"])

    def file(self, name: str) -> Path:
        return self.dist / name

    def etag(self, name: str) -> str:
        etag: str = self.metadata["files"][name]
        return etag

    @cached_property
    def dataset_etag(self) -> str:
        """Changes whenever any file of the build changes: the validator of every query answer.

        Computed once: a Site serves one build for its whole life (a new build is a restart), and
        every query answer needs it (sorting and hashing the build's digests cost each request ~20 us)."""
        import hashlib
        return hashlib.sha256("".join(sorted(self.metadata["files"].values())).encode()).hexdigest()[:32]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
