"""Faults: builds killed while writing, damaged and stale builds, gunicorn workers and query
processes killed, and SIGTERM with a request in flight. Every process is real: ``nkhr build``
and ``nkhr serve`` run as subprocesses on a small copy of the project (``MINI_DATA``: a full
build takes ~25 s, this one ~9 s), and processes are found through /proc.

The tests run in file order on one project: the build tests first, then the server (started
by ``nkhr serve`` on a stale build, which it must rebuild), and SIGTERM to it last.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from nkhr.built import (
    BUILDS_DIR,
    IN_MEMORY_MAX_VARIABLE,
    STORE_DIR,
    DistError,
    has_store,
    read_metadata,
    source_digests,
    verify,
)
from support import (
    RunningServer,
    alive,
    assert_clean_refusal,
    children,
    command_line,
    cpu_ticks,
    free_port,
    mini_project,
    query_processes,
)

CHANGED_FILE = "data/see-also.ttl"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"     # never finishes
ALL_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# The builds of the kill test write the query store, as a build above the in-memory limit does, so
# that a kill can find its thread at work; the server's own rebuild (fault_server) writes none.
WITH_STORE = {**os.environ, IN_MEMORY_MAX_VARIABLE: "0"}


def nkhr(project, *args) -> list[str]:
    return [sys.executable, "-m", "nkhr", "--project", str(project.root), *args]


def touch_source(project, note: str) -> None:
    """Change a source without changing its meaning: the next build is a different build."""
    with open(project.root / CHANGED_FILE, "a", encoding="utf-8") as handle:
        handle.write(f"\n# {note}\n")


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    project = mini_project(tmp_path_factory.mktemp("faults"))
    done = subprocess.run(nkhr(project, "build"), capture_output=True, text=True, timeout=300, env=WITH_STORE)
    assert done.returncode == 0, done.stderr[-2000:]
    return project


def assert_whole(project, accepted_sources: list[dict]) -> dict:
    """dist/ is one complete build: every file matches build.json, and its sources are ones we wrote."""
    target = Path(os.path.realpath(project.dist_dir))
    assert target.parent == (project.root / BUILDS_DIR).resolve() and target.is_dir(), target
    metadata = verify(project)                       # raises DistError naming any damaged file
    assert metadata["sources"] in accepted_sources
    present = {str(p.relative_to(target)) for p in target.rglob("*")
               if p.is_file() and p.relative_to(target).parts[0] != STORE_DIR} - {"timings.json"}
    assert (target / STORE_DIR / "CURRENT").is_file() == has_store(metadata)      # verify checked its digests
    assert present == set(metadata["files"]) | {"build.json"}, present ^ (set(metadata["files"]) | {"build.json"})
    return metadata


class Build:
    """``nkhr build`` in a subprocess whose progress lines (standard error) are collected."""

    def __init__(self, project):
        self.project = project
        self.lines: list[str] = []
        self.process = subprocess.Popen(nkhr(project, "build"), stdout=subprocess.DEVNULL, env=WITH_STORE,
                                        stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line)

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    def kill_when(self, condition, limit: float = 120.0) -> str:
        """SIGKILL the build as soon as ``condition()`` holds; say when that was."""
        started = time.monotonic()
        while time.monotonic() - started < limit and self.process.poll() is None:
            if condition():
                self.process.kill()
                self.process.wait()
                self.reader.join(timeout=5)
                return f"killed after {time.monotonic() - started:.2f}s"
            time.sleep(0.002)
        self.process.wait()
        self.reader.join(timeout=5)
        return f"finished (exit {self.process.returncode}) before the moment came"


def _builds(project) -> Path:
    return project.root / BUILDS_DIR


def after(seconds: float):
    start = time.monotonic()
    return lambda: time.monotonic() - start > seconds


def kill_points(project, build: Build, build_ids_before: set[str]) -> dict:
    """The moments to kill a build at, as conditions to wait for."""
    builds = _builds(project)
    return {
        "while starting and parsing": after(0.5),
        "after reasoning, while validating": lambda: build.said("OWL-RL closure"),
        "with a staging folder half written": lambda: any(
            len(list(s.iterdir())) >= 4 for s in builds.glob(".staging-*")),
        "once the new build folder exists": lambda: any(
            p.name not in build_ids_before and not p.name.startswith(".") for p in builds.iterdir()),
    }


MOMENTS = ["while starting and parsing", "after reasoning, while validating",
           "with a staging folder half written", "once the new build folder exists"]


def test_a_build_killed_at_any_moment_leaves_dist_whole(mini):
    accepted = [read_metadata(mini)["sources"]]
    outcomes = []
    for run, moment in enumerate(MOMENTS):
        touch_source(mini, f"fault test: run {run}")          # each run writes a build of its own
        accepted.append(source_digests(mini))
        before = {p.name for p in _builds(mini).iterdir()}
        build = Build(mini)
        outcomes.append((moment, build.kill_when(kill_points(mini, build, before)[moment])))
        assert_whole(mini, accepted)
    assert sum("killed" in outcome for _, outcome in outcomes) >= 3, outcomes
    # The last run got at least as far as renaming its folder into place (whether or not it
    # then swapped the link). Damage that folder: the next build of the same sources must not
    # reuse it (or "run nkhr build again", as the error says, would never repair anything).
    newest = [p for p in _builds(mini).iterdir() if p.name not in before and not p.name.startswith(".")]
    assert len(newest) == 1, outcomes
    damaged = newest[0] / "dataset.ttl"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    # then a build that runs to the end gives the newest sources, whole, and leaves no debris
    done = subprocess.run(nkhr(mini, "build"), capture_output=True, text=True, timeout=300, env=WITH_STORE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert assert_whole(mini, accepted)["sources"] == source_digests(mini)
    assert has_store(read_metadata(mini))
    builds = _builds(mini)
    assert not list(builds.glob(".staging-*")), list(builds.iterdir())
    assert len([p for p in builds.iterdir() if p.is_dir()]) <= 2


def test_a_damaged_artifact_is_reported_at_start_and_not_served(mini):
    nquads = Path(os.path.realpath(mini.dist_dir)) / "dataset.nq"
    original = nquads.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0x01
    nquads.write_bytes(bytes(data))
    started = time.monotonic()
    port = free_port()
    try:
        done = subprocess.run(nkhr(mini, "serve", "--port", str(port)), capture_output=True, text=True,
                              timeout=120)
    finally:
        nquads.write_bytes(original)
    assert done.returncode != 0
    assert "damaged" in done.stderr and "dataset.nq" in done.stderr and "nkhr build" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "building first" not in done.stderr          # sources did not change: reported, not rebuilt
    assert time.monotonic() - started < 60
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_a_damaged_build_json_is_reported_not_a_traceback(mini):
    metadata = Path(os.path.realpath(mini.dist_dir)) / "build.json"
    original = metadata.read_bytes()
    metadata.write_bytes(original[:len(original) // 2])
    try:
        with pytest.raises(DistError, match="build.json is damaged"):
            verify(mini)
    finally:
        metadata.write_bytes(original)
    verify(mini)


def test_a_folder_or_an_unreadable_file_in_place_of_an_artifact_is_reported_as_damage(mini):
    # verify hashes the files in threads, a chunk at a time: what cannot be read is a damaged file
    folder = Path(os.path.realpath(mini.dist_dir))
    table = folder / "tables" / "camps.csv"
    original = table.read_bytes()
    table.unlink()
    table.mkdir()
    try:
        with pytest.raises(DistError, match=r"damaged \(tables/camps\.csv do not match"):
            verify(mini)
    finally:
        table.rmdir()
        table.write_bytes(original)
    verify(mini)


@pytest.fixture(scope="module")
def fault_server(mini):
    """``nkhr serve`` started on a stale build (a source changed since): it must build first."""
    touch_source(mini, "fault test: stale")
    running = RunningServer(mini.root, env={"NKHR_QUERY_TIMEOUT": "10", "NKHR_QUERY_PROCESSES": "2",
                                            "NKHR_ANSWER_CACHE": "0"}, workers=2)
    yield running
    running.stop()


def test_a_stale_build_is_rebuilt_before_serving(mini, fault_server):
    log = (mini.root / "server.log").read_text()
    assert "building first" in log
    assert verify(mini)["sources"] == source_digests(mini)
    response = requests.get(fault_server.url + "/sparql", params={"query": ALL_TRIPLES}, timeout=30)
    assert response.status_code == 200


def workers(server) -> list[int]:
    return [p for p in children(server.process.pid) if "nkhr" in command_line(p) and "spawn_main" not in
            command_line(p) and "resource_tracker" not in command_line(p)]


def wait_for(condition, limit: float = 60.0, step: float = 0.1):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def ask(server, query=ALL_TRIPLES, timeout=60):
    return requests.get(server.url + "/sparql", params={"query": query}, timeout=timeout)


def test_a_killed_worker_is_replaced_and_the_next_requests_are_fine(fault_server):
    before = wait_for(lambda: (w := workers(fault_server)) and len(w) == 2 and w)
    for _ in range(8):                   # start query processes in the workers
        assert ask(fault_server).status_code == 200
    victim = max(before, key=lambda w: len(query_processes(w)))
    orphans = query_processes(victim)
    os.kill(victim, signal.SIGKILL)
    after = wait_for(lambda: (w := workers(fault_server)) and len(w) == 2 and victim not in w and w)
    assert victim not in after
    for _ in range(10):
        assert ask(fault_server).status_code == 200
        assert requests.get(fault_server.url + "/", timeout=30).status_code == 200
    # the dead worker's query processes do not linger
    wait_for(lambda: not any(alive(p) for p in orphans), limit=20)


def test_a_worker_killed_mid_query_leaves_no_query_process_running(fault_server):
    """kill -9 of a gunicorn worker while its query process evaluates a query that never ends:
    the query process must die with it (it used to run on as an orphan at 100 % CPU)."""
    threading.Thread(target=lambda: _ignore_errors(lambda: ask(fault_server, CARTESIAN, timeout=30)),
                     daemon=True).start()
    candidates = wait_for(lambda: [p for w in workers(fault_server) for p in query_processes(w)])
    ticks = {p: cpu_ticks(p) for p in candidates}
    time.sleep(0.8)
    busy = max(candidates, key=lambda p: cpu_ticks(p) - ticks[p])
    assert cpu_ticks(busy) > ticks[busy], "no query process was evaluating the query"
    worker = next(w for w in workers(fault_server) if busy in query_processes(w))
    siblings = query_processes(worker)
    os.kill(worker, signal.SIGKILL)
    started = time.monotonic()
    wait_for(lambda: not any(alive(p) for p in siblings), limit=5, step=0.05)
    assert time.monotonic() - started < 3
    wait_for(lambda: (w := workers(fault_server)) and len(w) == 2 and worker not in w)
    assert ask(fault_server, "ASK { ?s ?p ?o }").json()["boolean"] is True
    wait_for(lambda: _query_processes_idle(fault_server), limit=60)    # the next test picks the busy one


def _query_processes_idle(server) -> bool:
    """Every worker has started its query processes, and none has used CPU for 0.3 s."""
    processes = [p for w in workers(server) for p in query_processes(w)]
    ticks = {p: cpu_ticks(p) for p in processes}
    time.sleep(0.3)
    return len(processes) >= 4 and all(cpu_ticks(p) == ticks[p] for p in processes)


def _ignore_errors(call):
    try:
        call()
    except requests.RequestException:
        pass


def test_a_query_process_killed_mid_query_gives_a_clear_error_and_the_next_query_is_fine(fault_server):
    outcome = {}

    def slow():
        started = time.monotonic()
        outcome["response"] = ask(fault_server, CARTESIAN)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.8)
    candidates = [p for w in workers(fault_server) for p in query_processes(w)]
    ticks = {p: cpu_ticks(p) for p in candidates}
    time.sleep(0.4)
    busy = max(candidates, key=lambda p: cpu_ticks(p) - ticks[p])
    assert cpu_ticks(busy) > ticks[busy]
    os.kill(busy, signal.SIGKILL)
    thread.join(timeout=30)
    response = outcome["response"]
    assert response.status_code in (400, 503) and "died" in response.text
    assert_clean_refusal(response.status_code, response.headers, response.content, statuses={400, 503})
    assert outcome["seconds"] < 8                        # not the 10-second timeout: it noticed at once
    assert ask(fault_server).status_code == 200
    assert ask(fault_server, "ASK { ?s ?p ?o }").json()["boolean"] is True


def test_zz_sigterm_lets_the_request_in_flight_finish_then_exits_0(fault_server):
    """Runs last: it stops the server."""
    triples = int(ask(fault_server).json()["results"]["bindings"][0]["n"]["value"])

    def query(k):
        return (f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c "
                f"{{ SELECT ?d WHERE {{ ?d ?e ?f }} LIMIT {k} }} }}")

    # Calibrated on the second of two runs (each its own text: no cached answer), so that one-time
    # costs of the first (a connection, cold caches) do not make the in-flight query too short.
    assert ask(fault_server, query(299)).status_code == 200
    started = time.monotonic()
    assert ask(fault_server, query(300)).status_code == 200
    k = max(100, min(6000, int(600 / max(time.monotonic() - started, 0.05))))    # about two seconds' work
    outcome = {}

    def in_flight():
        begun = time.monotonic()
        outcome["response"] = ask(fault_server, query(k))
        outcome["seconds"] = time.monotonic() - begun

    thread = threading.Thread(target=in_flight)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive(), "the query finished before SIGTERM; it should take about two seconds"
    fault_server.process.send_signal(signal.SIGTERM)
    thread.join(timeout=60)
    response = outcome["response"]
    assert response.status_code == 200, response.text
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == triples * min(k, triples)
    assert fault_server.process.wait(timeout=40) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(fault_server.url + "/", timeout=2)
