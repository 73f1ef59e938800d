"""The build's on-disk query store: it holds the published dataset, answers every catalog query
as the in-memory engine does, and a server over a large build reads it instead of loading the
dataset into each process. Only builds above the in-memory limit have one (the article's build
has one under ``NKHR_IN_MEMORY_MAX=0``); without it, the server and ``nkhr query`` read dataset.nq."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from nkhr.built import STORE_DIR, DistError, read_metadata, verify
from nkhr.cli import _engine
from nkhr.query.diskstore import open_store, write_store
from nkhr.query.engine import Engine
from nkhr.serialize import dataset_bytes, make_dataset
from support import (
    RunningServer,
    children,
    concat_separators,
    norm_oxigraph,
    prebuilt_project,
    query_processes,
    rows_of,
)


@pytest.fixture(scope="module")
def store_engine(built, tmp_path_factory) -> Engine:
    folder = tmp_path_factory.mktemp("store")
    nquads = folder / "dataset.nq"
    nquads.write_bytes(dataset_bytes(make_dataset(built.published_graphs), "nquads"))
    count = write_store(nquads, folder / "store")
    assert count == sum(len(g) for g in built.published_graphs.values())
    return Engine.open(folder / "store")


def comparable(result, query: str) -> Counter:
    """Rows as a multiset; GROUP_CONCAT parts sorted (their order is the storage's, not SPARQL's)."""
    if result.kind == "ask":
        return Counter([result.boolean])
    if result.kind == "graph":
        return Counter((str(t.subject), str(t.predicate), str(t.object)) for t in result.triples)
    return Counter(rows_of(result.variables, result.rows, norm_oxigraph, concat_separators(query)))


def test_the_store_holds_every_quad_of_the_dataset(store_engine, engine):
    on_disk = {str(q) for q in store_engine.store.quads_for_pattern(None, None, None) if "_:" not in str(q)}
    in_memory = {str(q) for q in engine.store.quads_for_pattern(None, None, None) if "_:" not in str(q)}
    assert on_disk == in_memory and len(on_disk) > 10_000
    assert store_engine.named_graphs() == engine.named_graphs()


def test_every_catalog_query_answers_the_same_from_the_store(store_engine, engine, catalog):
    differing = [name for name, q in catalog.items()
                 if comparable(store_engine.query(q.text), q.text) != comparable(engine.query(q.text), q.text)]
    assert not differing


def test_the_store_refuses_writes(store_engine):
    with pytest.raises((OSError, RuntimeError), match="read-write|read-only|[Rr]ead only"):
        store_engine.store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                                       ox.Literal("o")))


def test_a_folder_without_a_store_is_named_in_the_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nkhr build"):
        open_store(tmp_path)


def open_files(pid: int) -> list[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return found


def test_a_small_build_has_no_store_and_answers_as_a_build_with_one(built, tmp_path, catalog):
    small = prebuilt_project(built, tmp_path / "small")
    stored = prebuilt_project(built, tmp_path / "stored", with_store=True)
    assert read_metadata(small)["store"] is False and not (small.dist_dir / STORE_DIR).exists()
    assert read_metadata(stored)["store"] is True and (stored.dist_dir / STORE_DIR / "CURRENT").is_file()
    verify(small)
    verify(stored)
    from_memory, from_disk = _engine(small), _engine(stored)        # what `nkhr query` reads
    differing = [name for name, q in catalog.items()
                 if comparable(from_memory.query(q.text), q.text) != comparable(from_disk.query(q.text), q.text)]
    assert not differing
    answers = [subprocess.run([sys.executable, "-m", "nkhr", "--project", str(p.root), "query", "coi-members",
                               "--format", "csv"], capture_output=True, text=True, timeout=120)
               for p in (small, stored)]
    assert all(a.returncode == 0 for a in answers), [a.stderr[-1000:] for a in answers]
    assert "Michael Kirby" in answers[0].stdout
    assert sorted(answers[0].stdout.splitlines()) == sorted(answers[1].stdout.splitlines())
    assert "building first" not in answers[0].stderr


def test_a_build_that_should_have_a_store_and_lacks_it_is_refused(built, tmp_path):
    stored = prebuilt_project(built, tmp_path / "stored", with_store=True)
    shutil.rmtree(Path(os.path.realpath(stored.dist_dir)) / STORE_DIR)
    with pytest.raises(DistError, match=rf"damaged \({STORE_DIR}/ do not match build.json\): run `nkhr build` again"):
        verify(stored)


@pytest.mark.parametrize("with_store,in_memory_max,reads_store,says", [
    (True, "0", True, "(its on-disk query store, store/)"),
    (True, "1000000", False, "(dataset.nq, in memory)"),
    # The build has no store to read: the server reads dataset.nq and says why, once.
    (False, "0", False, "asks for the on-disk query store, but this build of"),
])
def test_a_server_reads_the_store_only_for_builds_above_the_in_memory_limit(built, tmp_path, with_store,
                                                                           in_memory_max, reads_store, says):
    project = prebuilt_project(built, tmp_path / "project", with_store=with_store)
    server = RunningServer(project.root, env={"NKHR_IN_MEMORY_MAX": in_memory_max}, workers=2)
    try:
        response = requests.get(server.url + "/queries/coi-members", headers={"Accept": "application/json"},
                                timeout=60)
        assert response.status_code == 200
        assert {b["memberLabel"]["value"] for b in response.json()["results"]["bindings"]} >= {"Michael Kirby"}
        page = requests.get(server.url + "/id/kwan-li-so-15.html", timeout=60)
        assert page.status_code == 200 and "Yodok" in page.text
        for i in range(2):     # user queries, one in each query process (catalog queries run in the worker)
            asked = requests.get(server.url + "/sparql", params={"query": f'ASK {{ ?s ?p "{i}" }}'}, timeout=60)
            assert asked.status_code == 200
        processes = [p for w in children(server.process.pid) for p in [w, *query_processes(w)]]
        store = str(Path(os.path.realpath(project.dist_dir)) / "store")
        readers = [p for p in processes if any(f.startswith(store) for f in open_files(p))]
        if reads_store:   # the two workers and the query processes that have started
            assert len(readers) >= 3, (processes, readers)
        else:
            assert readers == []
    finally:
        server.stop()
    log = (project.root / "server.log").read_text()
    assert log.count("answering from") == 1 and log.count(says) == 1, log[-3000:]


def test_the_build_writes_a_store_only_above_the_in_memory_limit(built, tmp_path, monkeypatch):
    import dataclasses

    from nkhr.build.write import write_dist
    from nkhr.built import IN_MEMORY_MAX_VARIABLE
    triples = sum(len(g) for g in built.graphs.values())
    for limit, expected in ((triples, False), (triples - 1, True)):
        project = prebuilt_project(built, tmp_path / str(limit))
        monkeypatch.setenv(IN_MEMORY_MAX_VARIABLE, str(limit))
        folder = write_dist(dataclasses.replace(built, project=project, timings={}))
        assert read_metadata(project)["triples"] == triples
        assert read_metadata(project)["store"] is expected and (folder / STORE_DIR).exists() is expected
        verify(project)


@pytest.mark.parametrize("value", ["lots", "-5", "2.5e5", "²"])
def test_an_in_memory_limit_that_is_not_a_whole_number_is_refused_in_a_sentence(value, tmp_path):
    from nkhr.built import IN_MEMORY_MAX_VARIABLE
    done = subprocess.run([sys.executable, "-m", "nkhr", "--project", str(tmp_path), "build"],
                          env={**os.environ, IN_MEMORY_MAX_VARIABLE: value}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{IN_MEMORY_MAX_VARIABLE} must be a whole number of triples" in done.stderr and repr(value) in done.stderr
