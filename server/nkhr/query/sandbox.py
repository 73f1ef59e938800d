"""Running untrusted queries in child processes that can be stopped.

Neither engine has a query timeout, and pyoxigraph releases the GIL inside a query, so a
thread cannot stop it: only ending the process does. Each ``QueryPool`` keeps a few child
processes that open the dataset once (the build's read-only store, or an N-Quads file) and
then answer queries sent over a pipe. A query that
runs past its deadline, or a child that dies (a crash, a memory limit), costs only that
child: it is killed and replaced, and the caller gets a clear error. Meanwhile the other
children, and the web process itself, keep answering.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from pathlib import Path
from typing import Any

from ..formats import Kind, load_writers
from .engine import Engine, QuerySyntaxError
from .results import NotXml, serialize


class QueryTimeout(Exception):
    """The query ran longer than its time limit and was stopped."""


class PoolBusy(QueryTimeout):
    """No query process became free in time (the query itself never ran)."""


class QueryCrashed(Exception):
    """The process evaluating the query died (it may have run out of memory)."""


@dataclass
class Answer:
    kind: str               # "select", "ask" or "graph"
    fmt: str | None         # the format it was written in; None when no acceptable format exists
    body: bytes
    truncated: bool


# Native stack of the thread that parses and evaluates a query in a child. pyoxigraph's parser
# and evaluator recurse once per operator of a left-deep chain, so a query of a few thousand
# UNIONs, MINUS groups, BINDs, FILTERs, ``||`` or ``!`` (easily written within the guard's
# 100,000 characters) overflows the default 8 MiB stack and kills the child with SIGSEGV. At
# 256 MiB every query the guard lets through is evaluated (or times out) instead; the memory is
# only reserved, and it counts against the child's address-space limit.
QUERY_STACK = 256 * 1024 ** 2


# How often a query process checks that the process that started it is still there.
PARENT_CHECK = 0.25

# Query processes run at a lower CPU priority than the web workers: four processes at 100 % on
# a slow query must not slow the pages, the cached answers and the refusals the workers send.
QUERY_NICENESS = 10


def _die_with_parent(parent: int) -> None:
    """End this process as soon as ``parent`` is gone, even in the middle of a query.

    A gunicorn worker killed with SIGKILL cannot stop its query processes, and a cartesian
    COUNT runs for hours at 100 % CPU. PR_SET_PDEATHSIG is not enough on its own: the kernel
    sends that signal when the *thread* that started the child ends, and a pool's children are
    started by whichever request thread needed a replacement. So a daemon thread watches the
    parent's pid instead (pyoxigraph releases the GIL while it evaluates, so this thread runs):
    once the child has been handed to another parent, it kills itself with SIGKILL.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK)
        os.kill(os.getpid(), signal.SIGKILL)

    if os.getppid() != parent:          # the parent died before this process got here
        os._exit(1)
    threading.Thread(target=watch, name="nkhr-parent-watch", daemon=True).start()


def _child(connection: Connection, dataset_path: str, memory_limit: int | None, parent: int | None = None) -> None:
    """The child: load the dataset, then answer requests, on a thread with a deep stack."""
    if parent is not None:
        _die_with_parent(parent)
    os.nice(QUERY_NICENESS)
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    threading.stack_size(QUERY_STACK)
    worker = threading.Thread(target=_answer_forever, args=(connection, dataset_path), name="nkhr-query")
    worker.start()
    worker.join()


def _forbid_new_files(spare: int = 0) -> None:
    """Leave this process no way to open a file or a socket, whatever a query asks for.

    The guard refuses SERVICE, but it reads queries with a tokenizer, and a tokenizer cannot
    always tell ``<`` (less than) from the start of an IRI the way the engine's parser does:
    ``FILTER(1<'>') SERVICE <http://...> {...} FILTER('x')`` once hid a SERVICE call inside
    what the guard took for a string, and pyoxigraph then made the request. So the kernel
    enforces it as well: every descriptor number below the limit is taken (gaps are plugged
    with /dev/null) and RLIMIT_NOFILE is set just above the highest, so socket() and open()
    fail with EMFILE. The pipe to the parent stays open.

    ``spare`` descriptors are left free for the on-disk store: RocksDB opens its table files
    when a query first reads them (at a million triples, 18 files a query process had not opened
    yet, and every user query failed with EMFILE). In store mode the kernel therefore bounds new
    descriptors to that many instead of forbidding them, and the guard is the barrier against
    SERVICE there (SECURITY.md). An in-memory dataset keeps none spare.
    """
    def is_open(fd: int) -> bool:
        try:
            os.fstat(fd)
        except OSError:
            return False
        return True

    highest = max(fd for fd in map(int, os.listdir("/proc/self/fd")) if is_open(fd))
    for fd in range(highest):
        if not is_open(fd):
            os.open(os.devnull, os.O_RDONLY)        # takes the lowest free number: this gap
    resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 1 + spare, highest + 1 + spare))


def answer(engine: Any, sparql: str, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
           tabular_fmt: str | None = "json", graph_fmt: str | None = "turtle", max_rows: int | None = None) -> Answer:
    """Evaluate and write one query with ``engine``: what a query process does for each request."""
    result = engine.query(sparql, default_graphs, named_graphs, max_rows=max_rows)
    fmt = graph_fmt if result.kind == "graph" else tabular_fmt
    body = serialize(result, fmt) if fmt else b""
    return Answer(result.kind, fmt, body, result.truncated)


def _answer_forever(connection: Connection, dataset_path: str) -> None:
    """The child's loop: load the dataset, then answer (query, formats, ...) requests forever."""
    engine = Engine.open(Path(dataset_path))
    load_writers(Kind.RESULTS, Kind.GRAPH, Kind.DATASET)       # imported now: no file may be opened later
    if os.path.isdir("/proc/self/fd"):
        store = Path(dataset_path)
        _forbid_new_files(spare=sum(1 for f in store.glob("*.sst")) if store.is_dir() else 0)
    connection.send(("ready", None))
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        sparql, default_graphs, named_graphs, tabular_fmt, graph_fmt, max_rows = request
        try:
            connection.send(("ok", answer(engine, sparql, default_graphs, named_graphs, tabular_fmt, graph_fmt,
                                          max_rows)))
        except QuerySyntaxError as exc:
            connection.send(("syntax", str(exc)))
        except NotXml as exc:
            connection.send(("notxml", str(exc)))
        except MemoryError:
            connection.send(("crashed", "the query needed more memory than a query may use"))
        except Exception as exc:  # an engine error on a valid query (e.g. a bad regex)
            connection.send(("error", engine_failure(exc)))


def engine_failure(exc: Exception) -> str:
    """An engine error on a valid query, in words about the query (no Python class name).

    pyoxigraph raises OSError when a query makes it reach outside the dataset (a SERVICE call,
    which this process cannot make, or a URL it does not read), and other errors when it cannot
    evaluate an expression."""
    if isinstance(exc, OSError):
        return ("it asks the engine to read a file or contact another server, which no query may do "
                "here; the endpoint answers from its own dataset only")
    return str(exc).strip() or "the engine stopped on it without saying why"


class ChildProcess:
    """A spawned daemon process with a pipe to it: ``target(pipe_end, *args)`` runs in the child.

    The query processes here and store mode's checking processes (``remote.barrier``) both are one.
    """

    def __init__(self, context: SpawnContext, target: Callable[..., None], args: tuple[Any, ...], name: str):
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=target, args=(child_end, *args), daemon=True, name=name)
        self.process.start()
        child_end.close()
        self.ready = False

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class _Worker(ChildProcess):
    def __init__(self, context: SpawnContext, dataset_path: str, memory_limit: int | None):
        super().__init__(context, _child, (dataset_path, memory_limit, os.getpid()), "nkhr-query")

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.connection.poll(timeout):
            raise QueryCrashed("a query process did not start in time")
        message, _ = self.connection.recv()
        self.ready = message == "ready"


class QueryPool:
    """A fixed number of query processes; ``run`` borrows one, and replaces it if it must die."""

    def __init__(self, dataset_path: str | Path, size: int = 2, memory_limit: int | None = 2 * 1024 ** 3,
                 start_timeout: float = 60.0):
        self.dataset_path = str(dataset_path)
        self.memory_limit = memory_limit
        self.start_timeout = start_timeout
        self._context = multiprocessing.get_context("spawn")
        # First in, first out: a process started to replace a killed one goes to the back, and
        # loads the dataset while the others answer (last in, first out made the next query wait
        # for it: tests/reliability/test_hostile_queries.py).
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        return _Worker(self._context, self.dataset_path, self.memory_limit)

    def wait_ready(self, timeout: float) -> bool:
        """Wait, ``timeout`` seconds at most in all, until every process has loaded the dataset;
        whether they all did. For a server starting up, before it serves (see ``web/serve.py``)."""
        deadline = time.monotonic() + timeout
        for worker in list(self._idle.queue):
            try:
                worker.wait_ready(max(0.0, deadline - time.monotonic()))
            except (QueryCrashed, EOFError, OSError):
                return False        # a query will wait for it, or replace it, as before
        return True

    def run(self, sparql: str, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
            tabular_fmt: str | None = "json", graph_fmt: str | None = "turtle", max_rows: int | None = None,
            timeout: float = 10.0) -> Answer:
        """Run one query; raise QuerySyntaxError, QueryTimeout, QueryCrashed or RuntimeError."""
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy("every query process stayed busy for the whole time limit") from None
        replace = False
        if not worker.process.is_alive():
            # An idle child that died (the OOM killer, an operator's kill) is replaced before
            # use: the query it would have failed is given to a fresh one instead.
            worker.kill()
            worker = self._spawn()
        try:
            worker.wait_ready(self.start_timeout)
            deadline = time.monotonic() + timeout     # a fresh process's start is not the query's time
            worker.connection.send((sparql, default_graphs, named_graphs, tabular_fmt, graph_fmt, max_rows))
            if not worker.connection.poll(max(0.0, deadline - time.monotonic())):
                replace = True
                raise QueryTimeout(f"the query ran longer than the {timeout:g}-second limit and was stopped")
            try:
                status, payload = worker.connection.recv()
            except (EOFError, OSError):
                replace = True
                raise QueryCrashed(self._death_of(worker)) from None
            replace = status == "crashed"   # a child that ran out of memory is not trusted again
        except (BrokenPipeError, EOFError, OSError):
            replace = True
            raise QueryCrashed("the query process died while evaluating the query") from None
        finally:
            if replace:
                worker.kill()
                worker = self._spawn()
            if not self._closed:
                self._idle.put(worker)
            else:
                worker.kill()
        if status == "ok":
            assert isinstance(payload, Answer)
            return payload
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status == "notxml":
            raise NotXml(payload)
        if status == "crashed":
            raise QueryCrashed(payload)
        raise RuntimeError(payload)

    def _death_of(self, worker: _Worker) -> str:
        """Why a child died mid-query, as far as its exit status tells.

        pyoxigraph is written in Rust, whose allocator aborts the process (SIGABRT) instead of
        raising MemoryError when the address-space limit is reached, so an abort almost always
        means the query needed more memory than a query may use (a sort or an aggregate over a
        cartesian product gets there in a second or two)."""
        worker.process.join(timeout=2)
        code = worker.process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            if -code == signal.SIGABRT and self.memory_limit:
                return (f"the query process died ({name}) while evaluating the query, most likely "
                        f"because it needed more than the {self.memory_limit / 1024 ** 3:g} GiB a query may use")
            return f"the query process died ({name}) while evaluating the query"
        return "the query process died while evaluating the query"

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in list(self._idle.queue) if w.process.pid is not None]   # all started


def default_pool_size() -> int:
    return int(os.environ.get("NKHR_QUERY_PROCESSES", "2"))


__all__ = ["QueryPool", "QueryTimeout", "QueryCrashed", "Answer"]
