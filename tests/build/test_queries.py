"""The query stage of the build: the catalog is run and published by the build, quality checks fail it.

Run as a user runs it, ``nkhr build`` in a real process on a copy of the project (a few data
files that conform on their own, so each build takes seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nkhr.built import CATALOG_DIR, is_stale
from support import mini_project, prebuilt_project


def nkhr(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nkhr", "--project", str(root), *args],
                          capture_output=True, text=True, timeout=300)


def snapshot(dist: Path) -> dict[str, bytes]:
    return {str(p.relative_to(dist)): p.read_bytes() for p in sorted(dist.rglob("*"))
            if p.is_file() and "store" not in p.relative_to(dist).parts and p.name != "timings.json"}


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    """A small project that builds on its own, built once."""
    project = mini_project(tmp_path_factory.mktemp("queries") / "project")
    done = nkhr(project.root, "build")
    assert done.returncode == 0, done.stderr
    return project.root


def test_the_build_runs_and_publishes_every_catalog_query(mini):
    dist = mini / "dist"
    sources = sorted(p.name for p in (mini / "queries").glob("*.rq"))
    published = sorted(p.name for p in (dist / CATALOG_DIR).glob("*.rq"))
    assert published == sources and sources
    digests = json.loads((dist / "build.json").read_text())["files"]
    for name in published:
        assert f"{CATALOG_DIR}/{name}" in digests
        assert (dist / CATALOG_DIR / name).read_bytes() == (mini / "queries" / name).read_bytes()


def test_editing_a_query_makes_dist_stale(mini, tmp_path):
    from nkhr.project import Project
    project = Project(mini)
    assert not is_stale(project)
    path = mini / "queries" / "coi-members.rq"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# an edit\n")
        assert is_stale(project)
    finally:
        path.write_bytes(original)
    assert not is_stale(project)


def write_broken_query(root: Path) -> Path:
    """A catalog query that uses a prefix it does not declare (it fails at 4:16)."""
    path = root / "queries" / "zz-broken.rq"
    path.write_text("# title: broken\n# description: a query that uses a prefix it does not declare\n"
                    "SELECT ?s WHERE {\n  ?s nkhr:about ?o .\n}\n")
    return path


def test_a_broken_query_fails_the_build_with_file_line_and_column_and_leaves_dist_alone(mini):
    before = snapshot(mini / "dist")
    path = write_broken_query(mini)
    try:
        done = nkhr(mini, "build")
    finally:
        path.unlink()
    assert done.returncode == 3, done.stderr
    assert "queries/zz-broken.rq:4:16: the query does not parse: the prefix nkhr: is not declared" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(mini / "dist") == before


def test_a_query_without_its_header_fails_the_build_naming_the_file(mini):
    path = mini / "queries" / "zz-headless.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1\n")
    try:
        done = nkhr(mini, "build")
    finally:
        path.unlink()
    assert done.returncode == 3
    assert "queries/zz-headless.rq: the header lacks title and description" in done.stderr


def test_a_failing_quality_check_fails_the_build_listing_its_rows(mini):
    before = snapshot(mini / "dist")
    path = mini / "queries" / "checks" / "zz-no-commission-members.rq"
    path.write_text(textwrap.dedent("""\
        # title: Nobody is a member of the Commission of Inquiry
        # description: a check that is wrong on purpose: it finds the commission's three members
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?member ?name WHERE {
          ?member org:memberOf <https://w3id.org/nkhr/id/commission-of-inquiry> ; rdfs:label ?name }
        """))
    try:
        done = nkhr(mini, "build")
    finally:
        path.unlink()
    assert done.returncode == 4, done.stderr
    assert 'queries/checks/zz-no-commission-members.rq: the check "Nobody is a member of the Commission of ' \
           'Inquiry" found 3 row(s)' in done.stderr
    for name in ("Marzuki Darusman", "Michael Kirby", "Sonja Biserko"):
        assert name in done.stderr
    assert snapshot(mini / "dist") == before


def test_the_project_passes_its_own_quality_checks(built, project):
    """The checks in queries/checks/ find nothing on the project (the build would have failed)."""
    checks = sorted((project.root / "queries" / "checks").glob("*.rq"))
    assert checks, "queries/checks/ holds the quality-control queries"
    assert built.catalog and all(name.startswith(f"{CATALOG_DIR}/") for name in built.catalog)


def test_the_server_reads_its_catalog_from_dist_only(built, tmp_path):
    """A query removed from queries/ after the build is still served: the catalog is the built one."""
    project = prebuilt_project(built, tmp_path / "served")
    (project.root / "queries" / "coi-members.rq").unlink()
    code = textwrap.dedent(f"""
        from pathlib import Path
        from nkhr.project import Project
        from nkhr.web.site import Site
        from nkhr.web import settings_from_environment
        site = Site(Project(Path({str(project.root)!r})), settings_from_environment())
        print(" ".join(sorted(site.catalog)))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "coi-members" in done.stdout.split()


def test_the_serving_side_never_loads_the_build_pyshacl_or_owlrl(built, tmp_path):
    """Importing every serving module and creating the app loads neither the build nor its libraries."""
    project = prebuilt_project(built, tmp_path / "served")
    code = textwrap.dedent(f"""
        import importlib, pkgutil, sys
        for package in ("nkhr.query", "nkhr.content", "nkhr.exports", "nkhr.remote", "nkhr.web"):
            module = importlib.import_module(package)
            for sub in pkgutil.walk_packages(module.__path__, package + "."):
                importlib.import_module(sub.name)
        from pathlib import Path
        from nkhr.project import Project
        from nkhr.web import create_app, settings_from_environment
        create_app(Project(Path({str(project.root)!r})), settings_from_environment())
        print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in ("pyshacl", "owlrl")
                              or m == "nkhr.build" or m.startswith("nkhr.build."))))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NKHR_QUERY_PROCESSES": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_data_that_does_not_conform_is_reported_before_a_broken_query_and_leaves_no_process_behind(mini):
    """The query stage runs beside validation (build/pipeline.py), on the same data: when the data
    does not conform, what the queries found is not read, and their child is stopped."""
    from support import ROOT
    before = snapshot(mini / "dist")
    fixture = mini / "data" / "zz-facility-number.ttl"
    fixture.write_bytes((ROOT / "tests" / "fixtures" / "shapes" / "Facility-number.ttl").read_bytes())
    broken = write_broken_query(mini)
    try:
        done = nkhr(mini, "build")
    finally:
        fixture.unlink()
        broken.unlink()
    assert done.returncode == 4, done.stderr
    assert "does not conform to the shapes" in done.stderr and "kg:fixture-Facility-number-camp" in done.stderr
    assert "zz-broken.rq" not in done.stderr and "Traceback" not in done.stderr
    assert snapshot(mini / "dist") == before
    left = [pid for pid in os.listdir("/proc")
            if pid.isdigit() and str(mini) in _cmdline(pid) and "build" in _cmdline(pid)]
    assert not left, [_cmdline(pid) for pid in left]


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_the_build_counts_the_files_it_wrote_the_same_when_the_same_build_was_there(mini):
    import re
    done = nkhr(mini, "build")                # the same sources: the build folder is there already
    assert done.returncode == 0, done.stderr
    said = int(re.search(r"wrote \S+ \((\d+) files\)", done.stderr).group(1))
    dist = mini / "dist"
    assert said == sum(1 for p in dist.rglob("*") if p.is_file() and "store" not in p.relative_to(dist).parts)


def test_lines_sorted_beside_reasoning_make_the_same_build_as_lines_sorted_after_it(tmp_path):
    """``pipeline.SORT_BESIDE_MIN``: above it the section graphs and the sorted lines are made in
    a child while the build reasons; both ways must publish the same files, build.json included."""
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from nkhr.build import pipeline
        from nkhr.build.write import write_dist
        from nkhr.project import Project
        pipeline.SORT_BESIDE_MIN = int(sys.argv[2])
        result = pipeline.run_build(Project(Path(sys.argv[1])), wait=False)
        write_dist(result)
        print("beside" if "sort_beside" in result.timings else "after")
    """)
    built = {}
    for way, minimum in (("beside", "0"), ("after", "100000000")):
        project = mini_project(tmp_path / way)
        done = subprocess.run([sys.executable, "-c", script, str(project.root), minimum],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and done.stdout.split() == [way], done.stderr
        built[way] = snapshot(project.root / "dist")
    assert built["beside"] == built["after"] and "build.json" in built["beside"]
