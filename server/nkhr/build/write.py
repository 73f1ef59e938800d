"""The last stage of the build: writing the built dataset to disk atomically.

``dist`` is a symbolic link to a complete build folder under ``.nkhr-builds/``. A build writes
a new folder beside the old one and then swaps the link with one atomic rename, so a reader,
or a build killed half-way, only ever sees a whole build: the old one or the new one. What a
build folder holds, and how readers check it, is ``nkhr.built``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from pathlib import Path

from ..built import (
    BUILDS_DIR,
    DUMP_FORMATS,
    METADATA,
    STORE_DIR,
    TIMINGS,
    dump_name,
    sha256,
    source_digests,
    store_damage,
)
from ..formats import Kind, get
from ..project import Project
from ..query.diskstore import write_store
from ..serialize import (
    dataset_bytes,
    graph_bytes,
    make_dataset,
    triples_bytes,
    triples_of,
)
from ..vocab import GRAPH_ASSERTED, GRAPH_ONTOLOGY
from .pipeline import BuildResult, describe_versions
from .search_index import SEARCH_FILE, index_bytes
from .tables import table_files


def artifacts(result: BuildResult) -> dict[str, bytes]:
    """Every file of a build, by name, as bytes. Deterministic for the same sources."""
    quads = make_dataset(result.published_graphs)     # the section graphs repeat asserted triples
    union = triples_of(quads)
    files = {dump_name(fmt): dataset_bytes(quads, fmt) if get(fmt).kind is Kind.DATASET else triples_bytes(union, fmt)
             for fmt in DUMP_FORMATS}
    files["asserted.ttl"] = triples_bytes(triples_of(quads, GRAPH_ASSERTED), "turtle")
    files["ontology.ttl"] = triples_bytes(triples_of(quads, GRAPH_ONTOLOGY), "turtle")
    # For the ontology documentation: the curators' own file, comments and layout included.
    files["shapes.ttl"] = result.project.shapes_file.read_bytes()
    files["shacl-report.ttl"] = graph_bytes(result.report.graph, "turtle")
    files["shacl-report.txt"] = result.report.render().encode("utf-8")
    files[SEARCH_FILE] = index_bytes(files[dump_name("nquads")])    # full-text search, from the dump
    files.update(table_files(files[dump_name("nquads")]))   # tables/: the CSV data package (build/tables.py)
    files.update(result.catalog)
    return files


def write_dist(result: BuildResult, progress=lambda message: None) -> Path:
    """Write the build to a fresh folder and point ``dist`` at it atomically."""
    started = time.perf_counter()
    project = result.project
    files = artifacts(result)
    metadata = {
        "version": describe_versions(),
        "ontology_version": result.ontology_version,
        "graphs": {name: len(graph) for name, graph in result.published_graphs.items()},
        "default_graphs": sorted(result.graphs),      # the default graph is their union; not the section graphs
        "triples": sum(len(g) for g in result.graphs.values()),
        "conforms": result.report.conforms,
        "violations": len(result.report.violations),
        "warnings": len(result.report.warnings),
        "sources": source_digests(project),
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }
    files[METADATA] = (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode("utf-8")
    build_id = sha256(files[METADATA])[:16]

    builds = project.root / BUILDS_DIR
    builds.mkdir(exist_ok=True)
    final = builds / build_id
    damaged = None
    if final.exists() and not _holds(final, files):
        # The same build was written before and has since been damaged (a flipped byte, a
        # truncated file). Reusing it would keep serving the damage, and `nkhr build` (the fix
        # the error message suggests) would never repair it: write a fresh folder beside it.
        damaged, final = final, builds / f"{build_id}-{time.time_ns()}"
    if not final.exists():
        staging = builds / f".staging-{build_id}-{os.getpid()}"
        try:
            _write_folder(staging, files, result.timings)
            try:
                os.replace(staging, final)
            except OSError:             # a concurrent build of the same sources got there first
                if not _holds(final, files):
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)      # it would keep the space the disk lacks
            raise WriteError(project, builds, exc) from None
    result.timings["write"] = time.perf_counter() - started - result.timings.get("store", 0.0)
    try:
        (final / TIMINGS).write_text(json.dumps(result.timings, indent=2, sort_keys=True) + "\n")
        _point_dist_at(project, final)
    except OSError as exc:          # the build folder is whole; dist/ still points at the previous one
        raise WriteError(project, builds, exc) from None
    if damaged is not None:
        shutil.rmtree(damaged, ignore_errors=True)
    _remove_old_builds(builds, keep=final)
    progress(f"wrote {project.relative(project.dist_dir)}/ ({len(files)} files) "
             f"in {result.timings['write']:.2f}s, and its query store in {result.timings.get('store', 0.0):.2f}s")
    return final


_ROCKSDB_WORDS = {errno.ENOSPC: "No space left on device", errno.EDQUOT: "Disk quota exceeded",
                  errno.EFBIG: "File too large", errno.EROFS: "Read-only file system",
                  errno.EACCES: "Permission denied"}


class WriteError(Exception):
    """The build could not be written (a full disk, a read-only folder): the staging folder is
    gone and dist/ still points at the previous build. ``str()`` says so in one sentence."""

    def __init__(self, project: Project, builds: Path, exc: OSError):
        text = str(exc)
        # RocksDB (the query store) reports the cause in its message only
        self.errno = exc.errno or next((code for code, words in _ROCKSDB_WORDS.items() if words in text), None)
        where = project.relative(builds)
        why = {
            errno.ENOSPC: f"the disk that holds {where}/ is full",
            errno.EDQUOT: f"the disk quota for {where}/ is used up",
            errno.EFBIG: "a file is larger than this process may write (its file-size limit)",
            errno.EROFS: f"{where}/ is on a read-only file system",
            errno.EACCES: f"{where}/ may not be written by this user",
        }.get(self.errno or 0, f"{where}/ could not be written ({exc.strerror or text})")
        previous = "dist/ still holds the previous build" if project.dist_dir.exists() else "there is no dist/ yet"
        super().__init__(f"cannot write the build: {why}; nothing was changed ({previous}). "
                         "Free some space (or fix the folder) and run `nkhr build` again.")


def _write_folder(staging: Path, files: dict[str, bytes], timings: dict) -> None:
    """Every file of the build, then its query store, in a fresh staging folder."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name, data in files.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        with open(staging / name, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    store_started = time.perf_counter()
    write_store(staging / dump_name("nquads"), staging / STORE_DIR)
    timings["store"] = time.perf_counter() - store_started


def _point_dist_at(project: Project, target: Path) -> None:
    link = project.dist_dir
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real folder, not a link to a build; move it away and build again")
    temporary = link.with_name(f".dist-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def _holds(folder: Path, files: dict[str, bytes]) -> bool:
    """True when ``folder`` holds exactly these bytes under these names, and its whole query store."""
    if store_damage(folder / STORE_DIR):
        return False
    for name, data in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != len(data) or path.read_bytes() != data:
            return False
    return True


def _remove_old_builds(builds: Path, keep: Path) -> None:
    """Keep the current build and the one before it; a reader may still have it open.

    Also remove the staging folders of builds that were killed while writing (their process is
    gone); they are never pointed at, but would otherwise pile up, one dataset each.
    """
    others = sorted((p for p in builds.iterdir() if p != keep and not p.name.startswith(".staging")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[1:]:
        shutil.rmtree(old, ignore_errors=True)
    for staging in builds.glob(".staging-*"):
        pid = staging.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:         # someone else's process
        return True
    return True


