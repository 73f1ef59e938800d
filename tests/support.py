"""The one support module of the tests: ad-hoc SPARQL with the project's prefixes, project
copies (plain, or with a ready dist/), free loopback ports, a running ``nkhr serve``, the
process tree of a server, raw HTTP, a loopback listener, and what a clean refusal looks like.

A full build takes ~25 s, so servers do not build: ``prebuilt_project`` writes the session's
in-memory build (the ``built`` fixture) into one template folder once (two: without and with the
on-disk query store, which the article's build has only under ``NKHR_IN_MEMORY_MAX=0``), and
every copy links to a copy of that template. ``mini_project`` is a few data files that conform on their own,
for tests that must run ``nkhr build`` itself (~9 s instead of ~27 s).
"""

from __future__ import annotations

import atexit
import dataclasses
import http.client
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from nkhr.project import Project
from nkhr.query.results import term_text
from nkhr.vocab import PREFIXES

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:          # bench/ is importable however pytest was started
    sys.path.insert(0, str(ROOT))

from bench.probes import Listener  # noqa: E402, F401 - re-exported: the loopback listener the probes and tests share

PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())


def rows(result) -> list[dict[str, str]]:
    """A SELECT result as dicts of strings (IRIs, lexical forms); unbound variables are left out."""
    return [{v: term_text(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
            for row in result.rows]


def select(engine, sparql: str) -> list[dict[str, str]]:
    """Run SPARQL with the project's prefixes declared (a query may redeclare them)."""
    return rows(engine.query(PROLOGUE + sparql))


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """``nkhr serve`` started as a real process (gunicorn) on a free loopback port."""

    def __init__(self, root: Path, env: dict | None = None, workers: int = 1):
        import os
        import subprocess
        import sys
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = root
        environment = {**os.environ, "NKHR_QUERY_TIMEOUT": "2", **(env or {})}
        self.log = open(root / "server.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nkhr", "--project", str(root), "serve", "--port", str(self.port),
             "--workers", str(workers)], stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 180.0) -> None:
        import time

        import requests
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited:\n" + (self.root / "server.log").read_text())
            try:
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not come up:\n" + (self.root / "server.log").read_text())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
        self.log.close()


# The Oxigraph server binary the `oxigraph` PyPI package installs beside this Python (None when absent).
OXIGRAPH = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")


class OxigraphServer(RunningServer):
    """An in-memory ``oxigraph serve`` on a free loopback port: the reference store of the tests."""

    def __init__(self, root: Path):
        import subprocess
        assert OXIGRAPH is not None, "the Oxigraph server is not installed (pip install -e '.[test]')"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = root
        self.log = open(root / "server.log", "w")
        self.process = subprocess.Popen([OXIGRAPH, "serve", "--bind", f"127.0.0.1:{self.port}"],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_until_up(timeout=30)


def copy_project(project: Project, root: Path) -> Project:
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project.root / name, root / name)
    return Project(root)



# Data files that conform to the shapes without the rest of data/ (they name no entity
# described elsewhere). Used for builds run by the tests themselves.
MINI_DATA = ["common.ttl", "source.ttl", "see-also.ttl", "commission-of-inquiry.ttl",
             "international-abductions.ttl"]

_templates: dict[bool, Path] = {}
_template_lock = threading.Lock()


def _copy_sources(destination: Path, data_files: list[str] | None = None) -> Project:
    for name in ("ontology", "queries"):
        shutil.copytree(ROOT / name, destination / name)
    if data_files is None:
        shutil.copytree(ROOT / "data", destination / "data")
    else:
        (destination / "data").mkdir()
        for name in data_files:
            shutil.copy2(ROOT / "data" / name, destination / "data" / name)
    return Project(destination)


def _template_root(built, with_store: bool) -> Path:
    """A copy of the checkout's sources with dist/ written from the session's build (once)."""
    from nkhr.built import IN_MEMORY_MAX_VARIABLE
    with _template_lock:
        if with_store not in _templates:
            from nkhr.build.write import write_dist
            root = Path(tempfile.mkdtemp(prefix="nkhr-prebuilt-"))
            atexit.register(shutil.rmtree, root, True)
            project = _copy_sources(root)
            saved = os.environ.pop(IN_MEMORY_MAX_VARIABLE, None)
            try:
                if with_store:
                    os.environ[IN_MEMORY_MAX_VARIABLE] = "0"
                write_dist(dataclasses.replace(built, project=project, timings={}))
            finally:
                os.environ.pop(IN_MEMORY_MAX_VARIABLE, None)
                if saved is not None:
                    os.environ[IN_MEMORY_MAX_VARIABLE] = saved
            _templates[with_store] = root
        return _templates[with_store]


def prebuilt_project(built, destination: Path, with_store: bool = False) -> Project:
    """A copy of the project in ``destination`` whose dist/ is already built and up to date
    (``with_store``: built as if above the in-memory limit, with its on-disk query store)."""
    template = _template_root(built, with_store)
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("ontology", "data", "queries", ".nkhr-builds"):
        shutil.copytree(template / name, destination / name, symlinks=True)
    os.symlink(os.readlink(template / "dist"), destination / "dist")
    return Project(destination)


def mini_project(destination: Path) -> Project:
    """The ontology, the queries and the MINI_DATA files; no dist/ yet."""
    destination.mkdir(parents=True, exist_ok=True)
    return _copy_sources(destination, MINI_DATA)


# --- processes ---------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def rss(pid: int) -> int:
    """Resident memory of one process, in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    return sum(rss(p) for p in [pid, *descendants(pid)])


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])       # utime + stime


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def query_processes(worker_pid: int) -> list[int]:
    """The query children of a gunicorn worker (multiprocessing spawn children, not the tracker)."""
    return [p for p in children(worker_pid)
            if "spawn_main" in command_line(p) and "resource_tracker" not in command_line(p)]


# --- HTTP --------------------------------------------------------------------------------

def raw_http(port: int, data: bytes, timeout: float = 20.0) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Send bytes as they are (no client normalises them) and read one response."""
    method = data.split(b" ", 1)[0].decode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        body = response.read()
        return response.status, response.headers, body


def request_bytes(method: str, target: str, headers: dict | None = None, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


LEAKS = (b"Traceback", b'File "/', b"site-packages", b"Werkzeug", b"werkzeug", b"Exception on")


def assert_clean_refusal(status: int, headers, body: bytes, statuses=range(400, 500)) -> None:
    """A 4xx (or the given statuses) with a short plain-text sentence and no internals."""
    assert status in statuses, (status, body[:300])
    assert headers.get("X-Content-Type-Options") == "nosniff", dict(headers)
    assert not any(leak in body for leak in LEAKS), body[:500]
    if status != 204 and body:
        assert headers.get("Content-Type", "").startswith("text/plain"), headers.get("Content-Type")
        text = body.decode("utf-8")
        assert 10 < len(text) < 2000 and "<html" not in text.lower(), text[:300]




# --- answers compared order-free, term by term (the differential and scale-out tests) -----------

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                             "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
                             "unsignedByte")}
GROUP_CONCAT = re.compile(r"GROUP_CONCAT\s*\(", re.I)
AS_VARIABLE = re.compile(r"\s*AS\s*\?(\w+)", re.I)
SEPARATOR = re.compile(r"separator\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", re.I)
def concat_separators(query: str) -> dict[str, str]:
    """The variables a GROUP_CONCAT binds, with their separator (a space when none is given)."""
    found = {}
    for match in GROUP_CONCAT.finditer(query):
        depth, i, quote = 1, match.end(), None      # find the closing parenthesis
        while i < len(query) and depth:
            char = query[i]
            if quote:
                if char == "\\":
                    i += 1
                elif char == quote:
                    quote = None
            elif char in "\"'":
                quote = char
            else:
                depth += {"(": 1, ")": -1}.get(char, 0)
            i += 1
        args, name = query[match.end():i - 1], AS_VARIABLE.match(query, i)
        if name:
            separator = SEPARATOR.search(args)
            found[name.group(1)] = (separator.group(1)[1:-1].encode().decode("unicode_escape")
                                    if separator else " ")
    return found


def _number(lexical: str):
    try:
        return Decimal(lexical.replace("INF", "Infinity").replace("E", "e"))
    except InvalidOperation:
        return lexical


def norm_rdflib(term):
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)
    assert isinstance(term, Literal)
    if term.language:
        return ("lang", str(term), term.language.lower())
    datatype = str(term.datatype) if term.datatype else XSD + "string"
    if datatype in NUMERIC:
        return ("number", _number(str(term)))
    return ("literal", str(term), datatype)


def norm_oxigraph(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    assert isinstance(term, ox.Literal)
    if term.language:
        return ("lang", term.value, term.language.lower())
    datatype = term.datatype.value
    if datatype in NUMERIC:
        return ("number", _number(term.value))
    return ("literal", term.value, datatype)


def normalise_concat(value, separator: str):
    """A GROUP_CONCAT value as the sorted list of its parts, its tag or datatype dropped."""
    if value is None:
        return None
    text = value[1]
    return ("concat", tuple(sorted(text.split(separator))) if text else ())


def rows_of(variables, raw_rows, norm, concats):
    rows = []
    for raw in raw_rows:
        row = []
        for variable, term in zip(variables, raw, strict=True):
            value = norm(term)
            if variable in concats:
                value = normalise_concat(value, concats[variable])
            row.append(value)
        rows.append(tuple(row))
    return rows
