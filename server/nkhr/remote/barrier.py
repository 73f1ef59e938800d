"""Store mode's second barrier: every query is read again, by a full SPARQL parser, before a store sees it.

In embedded mode a query that got past the guard still meets the kernel: its query process
cannot open a socket, so a SERVICE call fails. A SPARQL store (``nkhr serve --store``) has no
such limit, and the Oxigraph server once POSTed to a loopback "internal service" and returned
its reply, and aborted on a query of 2,000 UNIONs. So here each query is parsed again, by
rdflib's SPARQL 1.1 grammar (a parser that shares no code with the guard's tokenizer), and
refused when its parse tree holds a SERVICE, a FROM / FROM NAMED outside this dataset, more
graph patterns than the guard allows, or nesting past a bound; a query that parser cannot read
is refused too. Only then is it forwarded.

rdflib's parser is slow (a median of 0.1 s on the catalog's queries), not thread-safe, and recurses
once per level of the tree, so it runs in child processes that can be killed (one per query slot,
and the verdicts on the last 1,024 query texts are kept): ``ParseChecker`` keeps a few, each
with a deep stack, a memory limit and no way to open a file or a socket (the sandbox's rule),
and replaces one that runs past its time limit or dies.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import re
import resource
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from ..query.engine import QuerySyntaxError
from ..query.guard import MAX_GROUP_OPERATORS, MAX_QUERY_LENGTH, QueryRefused, decode_escapes
from ..query.sandbox import ChildProcess

MAX_BRACKETS = 2_000            # ( { [ in the raw text; the catalog's largest query opens 53
MAX_TREE_DEPTH = 400            # parse-tree levels: about 5 per ( ), 2 per { }; the catalog needs 35
CHECK_TIMEOUT = 10.0            # seconds a parse may take
CHECK_MEMORY = 1024 ** 3        # bytes of address space for a checking process
CHECK_STACK = 256 * 1024 ** 2   # the parsing thread's stack: rdflib recurses per level
REMEMBERED = 1024               # verdicts kept per checker (a query's text is at most 100,000 characters)

# Parse-tree nodes that are graph patterns (the store evaluates each as one more level).
GROUP_NODES = {"MinusGraphPattern", "OptionalGraphPattern", "Bind", "Filter", "GraphGraphPattern",
               "InlineData", "SubSelect", "Builtin_EXISTS", "Builtin_NOTEXISTS"}

_GROUP_KEYWORDS = re.compile(r"(?<![\w?$:])(?:UNION|MINUS|OPTIONAL|BIND|FILTER|GRAPH|VALUES|EXISTS)(?![\w:])",
                             re.IGNORECASE)
Verdict = tuple[str, str]       # ("ok", ""), ("syntax", the parser's words) or ("refused", the sentence)
_EMPTY = ox.Store()


def read_query(text: str, allowed_graphs: Iterable[str]) -> Verdict:
    """Judge ``text`` (run in a checking process): Oxigraph's parser first, for the syntax errors
    a user should see (the Oxigraph server's own words), then rdflib's parse tree."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery
    if len(text) > MAX_QUERY_LENGTH:
        return "refused", f"The query is longer than the {MAX_QUERY_LENGTH:,} characters this endpoint accepts."
    try:
        decoded = decode_escapes(text)
    except QueryRefused as exc:
        return "refused", str(exc)
    too_large = _too_large(decoded)
    if too_large:
        return "refused", too_large
    try:
        # pyoxigraph starts evaluating on an empty store (this process cannot open a socket, so
        # a SERVICE call fails here); only its syntax errors matter.
        _EMPTY.query(text)
    except SyntaxError as exc:
        return "syntax", str(exc)
    except Exception:  # noqa: BLE001, S110 - an evaluation error on an empty store says nothing of the query
        pass
    try:
        tree = parseQuery(decoded)
    except ParseException as exc:
        return "refused", (f"The query could not be read with certainty (line {exc.lineno}, column {exc.col}): "
                           "queries sent on to the SPARQL store are read twice, and the second reader "
                           "found no valid SPARQL 1.1 query there.")
    except RecursionError:
        return "refused", "The query is nested too deeply to be read with certainty."
    return judge(tree, set(allowed_graphs))


def _too_large(text: str) -> str | None:
    """A bound on the raw text, before any parser reads it (so a parser cannot be made to spend
    seconds on it): keywords and brackets are counted wherever they stand, strings included,
    which can only count too many."""
    keywords = len(_GROUP_KEYWORDS.findall(text))
    if keywords > MAX_GROUP_OPERATORS:
        return (f"The query uses UNION, MINUS, OPTIONAL, BIND, FILTER, GRAPH, VALUES or EXISTS {keywords} times; "
                f"this endpoint evaluates at most {MAX_GROUP_OPERATORS} graph patterns in one query.")
    brackets = sum(text.count(c) for c in "({[")
    if brackets > MAX_BRACKETS:
        return (f"The query opens {brackets} brackets; this endpoint evaluates queries of at most "
                f"{MAX_BRACKETS}.")
    return None


def judge(tree: Any, allowed_graphs: set[str]) -> Verdict:
    """The verdict on a parse tree of rdflib's (CompValue nodes, lists of them, terms)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    group_patterns = 0
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, ParseResults)):
            stack.extend((child, depth) for child in node)
            continue
        if not isinstance(node, CompValue):
            continue
        if depth > MAX_TREE_DEPTH:
            return "refused", "The query nests groups and expressions too deeply for this endpoint."
        if node.name == "ServiceGraphPattern":
            return "refused", ("Federated queries (SERVICE) are not allowed: this endpoint queries only its "
                               "own dataset and never contacts other servers.")
        if node.name == "DatasetClause":
            # CompValue.get returns the key itself when it is missing ("default" for FROM NAMED)
            graph = str(node["default"] if "default" in node else node.get("named"))
            if graph not in allowed_graphs:
                return "refused", (f"FROM / FROM NAMED may only name this dataset's graphs ({graph} is not "
                                   "one); this endpoint never loads other graphs.")
        if node.name == "GroupOrUnionGraphPattern":
            group_patterns += max(0, len(node.get("graph") or []) - 1)
        elif node.name in GROUP_NODES:
            group_patterns += 1
        if group_patterns > MAX_GROUP_OPERATORS:
            return "refused", (f"The query combines more than {MAX_GROUP_OPERATORS} graph patterns (UNION, MINUS, "
                               "OPTIONAL, BIND, FILTER, ...); this endpoint does not evaluate queries that large.")
        stack.extend((child, depth + 1) for child in node.values())
    return "ok", ""


def _child(connection: Connection, memory_limit: int | None) -> None:
    """A checking process: no new files or sockets, a memory limit, a deep stack; then check forever."""
    from ..query.sandbox import _forbid_new_files
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    sys.setrecursionlimit(200_000)
    threading.stack_size(CHECK_STACK)
    import rdflib.plugins.sparql.parser  # noqa: F401 - loaded before the files are closed off
    if os.path.isdir("/proc/self/fd"):
        _forbid_new_files()
    worker = threading.Thread(target=_check_forever, args=(connection,), name="nkhr-check")
    worker.start()
    worker.join()


def _check_forever(connection: Connection) -> None:
    connection.send(("ready", ""))
    while True:
        try:
            text, allowed = connection.recv()
        except (EOFError, OSError):         # the web worker went away
            return
        try:
            connection.send(read_query(text, allowed))
        except MemoryError:
            connection.send(("refused", "The query needed more memory to read than a query may use."))
        except Exception:  # noqa: BLE001 - whatever the parser raised, the query is not forwarded
            connection.send(("refused", "The query could not be read with certainty, so it is not sent "
                                        "on to the SPARQL store."))


class _Checker(ChildProcess):
    def __init__(self, context: Any, memory_limit: int | None):
        super().__init__(context, _child, (memory_limit,), "nkhr-check")


class ParseChecker:
    """A few checking processes; ``check`` borrows one and raises QueryRefused with its reason."""

    def __init__(self, size: int = 1, memory_limit: int | None = CHECK_MEMORY, start_timeout: float = 60.0):
        self.memory_limit = memory_limit
        self.start_timeout = start_timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Checker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._verdicts: OrderedDict[tuple[str, tuple[str, ...]], Verdict] = OrderedDict()
        for _ in range(max(1, size)):
            self._idle.put(_Checker(self._context, memory_limit))

    def check(self, text: str, allowed_graphs: Iterable[str], timeout: float = CHECK_TIMEOUT) -> None:
        """Return when ``text`` may be sent to the store; raise QuerySyntaxError or QueryRefused.

        A verdict depends only on the text and the graphs, so the last ``REMEMBERED`` are kept: a
        query asked again (in another format, by another client) is not parsed again."""
        key = (text, tuple(sorted(allowed_graphs)))
        with self._lock:
            verdict = self._verdicts.get(key)
            if verdict is not None:
                self._verdicts.move_to_end(key)
        if verdict is None:
            verdict = self._read(text, key[1], timeout)
            with self._lock:
                self._verdicts[key] = verdict
                while len(self._verdicts) > REMEMBERED:
                    self._verdicts.popitem(last=False)
        status, reason = verdict
        if status == "syntax":
            raise QuerySyntaxError(reason)
        if status != "ok":
            raise QueryRefused(reason)

    def _read(self, text: str, allowed_graphs: tuple[str, ...], timeout: float) -> Verdict:
        """Have a checking process read ``text``; raise QueryRefused when none could in time."""
        try:
            checker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryRefused("The query could not be read in time (every reader was busy); try again.",
                               status=503) from None
        verdict: Verdict | None = None
        try:
            if not checker.process.is_alive():
                checker.kill()
                checker = _Checker(self._context, self.memory_limit)
            if not checker.ready:
                if not checker.connection.poll(self.start_timeout):
                    raise OSError("a checking process did not start")
                checker.connection.recv()
                checker.ready = True
            # The time limit counts from here: a reader's start (a second or two, once per
            # process) is not the query's doing.
            deadline = time.monotonic() + timeout
            checker.connection.send((text, list(allowed_graphs)))
            if checker.connection.poll(max(0.0, deadline - time.monotonic())):
                verdict = checker.connection.recv()
        except (OSError, EOFError):
            verdict = None
        finally:
            if verdict is None:         # timed out or died: that process is not trusted again
                checker.kill()
                checker = _Checker(self._context, self.memory_limit)
            if self._closed:
                checker.kill()
            else:
                self._idle.put(checker)
        if verdict is None:
            raise QueryRefused("The query could not be read with certainty within the time limit, so it is "
                               "not sent on to the SPARQL store.")
        return verdict

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return
