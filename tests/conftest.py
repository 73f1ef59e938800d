"""Shared fixtures: the project, one in-memory build per test session, and a query runner.

The build is done once (it takes a few seconds) and never writes the checkout's dist/;
tests that need a dist/ build a copy of the project in a temporary folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nkhr.build import run_build
from nkhr.catalog import load_catalog
from nkhr.engine import Engine
from nkhr.project import Project
from nkhr.serialize import dataset_bytes, make_dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def built(project):
    """The whole project built in memory (parsed, reasoned, validated)."""
    return run_build(project)


@pytest.fixture(scope="session")
def engine(built) -> Engine:
    import pyoxigraph as ox
    store = ox.Store()
    store.load(dataset_bytes(make_dataset(built.graphs), "nquads"), format=ox.RdfFormat.N_QUADS)
    return Engine(store)


@pytest.fixture(scope="session")
def catalog(project):
    return load_catalog(project.queries_dir)


@pytest.fixture(scope="session")
def run_query(engine, catalog):
    """Run a catalog query by name; rows come back as dicts of plain strings (IRIs, lexical forms)."""
    from nkhr.results import term_text

    def run(name: str) -> list[dict[str, str]]:
        result = engine.query(catalog[name].text)
        if result.kind == "ask":
            return [{"ask": str(result.boolean).lower()}]
        return [{v: term_text(t) for v, t in zip(result.variables, row) if t is not None}
                for row in result.rows]
    return run


@pytest.fixture
def project_copy(tmp_path, project) -> Project:
    """A throw-away copy of the project's sources, for tests that build, break or write dist/."""
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project.root / name, tmp_path / name)
    return Project(tmp_path)
