"""The last stage of the build: writing the built dataset to disk atomically.

``dist`` is a symbolic link to a complete build folder under ``.nkhr-builds/``. A build writes
a new folder beside the old one and then swaps the link with one atomic rename, so a reader,
or a build killed half-way, only ever sees a whole build: the old one or the new one. What a
build folder holds, and how readers check it, is ``nkhr.built``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path

from ..built import (
    BUILDS_DIR,
    DUMP_FORMATS,
    METADATA,
    STORE_DIR,
    TIMINGS,
    dump_name,
    file_sha256,
    has_store,
    in_memory_max,
    sha256,
    source_digests,
    store_damage,
)
from ..formats import Kind, get
from ..project import Project
from ..query.diskstore import write_store
from ..serialize import dataset_bytes, read_quads, triples_bytes
from ..vocab import GRAPH_ASSERTED, GRAPH_ONTOLOGY
from .collector import paused
from .pipeline import BuildResult, describe_versions


def artifacts(result: BuildResult, files: MutableMapping[str, bytes] | None = None) -> MutableMapping[str, bytes]:
    """Every file of a build, by name, as bytes, put in ``files`` (a ``_Spool`` writes each to disk
    at once). Deterministic for the same sources.

    Each dump is written from the dataset's sorted lines (``BuildResult.dataset``); the formats
    that are not line-based read the triples parsed back from them, in order (held once for the
    three writers of the union up to ``serialize.HELD_PARSED_MAX`` triples, parsed again for each
    above it, so that a large dataset's terms are never all Python objects at once). The search
    index and the tables are made from the dataset's store beside the query stage, in the
    background (``BuildResult.store_files``), and collected last with what else ran there."""
    files = {} if files is None else files
    made = set(files)       # already made by the caller (write_dist makes dataset.nq first)
    dataset = result.dataset      # the section graphs repeat asserted triples: the union holds each once
    for fmt in DUMP_FORMATS:
        if dump_name(fmt) in made:
            continue
        if fmt == "nquads":
            files[dump_name(fmt)] = dataset.nquads()
        elif fmt == "nt":
            files[dump_name(fmt)] = dataset.ntriples()
        elif get(fmt).kind is Kind.DATASET:      # from dataset.nq once written: its lines are not joined again
            quads = read_quads(files[dump_name("nquads")]) if dump_name("nquads") in made else dataset.quads()
            files[dump_name(fmt)] = dataset_bytes(quads, fmt)
        else:
            files[dump_name(fmt)] = triples_bytes(dataset.statements(), fmt)
    files["asserted.ttl"] = triples_bytes(dataset.statements(GRAPH_ASSERTED), "turtle")
    files["ontology.ttl"] = triples_bytes(dataset.statements(GRAPH_ONTOLOGY), "turtle")
    del dataset
    result.release_dataset()
    # For the ontology documentation: the curators' own file, comments and layout included.
    files["shapes.ttl"] = result.project.shapes_file.read_bytes()
    # Last: the checks (SHACL, the queries) may still be running in the background (build/background.py);
    # the catalog first, which raises NotConformingError for data that does not conform.
    files.update(result.catalog)
    files.update(result.store_files())          # search.sqlite (build/search_index.py), tables/ (build/tables.py)
    files["shacl-report.ttl"] = result.report_turtle()
    files["shacl-report.txt"] = result.report.render().encode("utf-8")
    return files


@paused()
def write_dist(result: BuildResult, progress: Callable[[str], object] = lambda message: None) -> Path:
    """Write the build to a fresh folder and point ``dist`` at it atomically."""
    started = time.perf_counter()
    project = result.project
    builds = project.root / BUILDS_DIR
    staging = builds / f".staging-{time.time_ns()}-{os.getpid()}"
    store: _StoreInBackground | None = None
    triples = sum(len(g) for g in result.graphs.values())
    # Only a build a server reads from disk gets a query store (built.IN_MEMORY_MAX says which);
    # a smaller one is served from dataset.nq, so its store would be written for nothing.
    with_store = triples > in_memory_max()
    files = _Spool(staging)
    try:
        builds.mkdir(exist_ok=True)
        staging.mkdir()
        files.write_parts(dump_name("nquads"), result.dataset.nquads_parts())  # first: the query store loads it
        if with_store:
            store = _StoreInBackground(staging / dump_name("nquads"), staging / STORE_DIR)
        artifacts(result, files)
        result.wait_for_checks()        # they ran beside the rest: nothing is published unless they passed
        if store is not None:
            result.timings["store"] = store.wait()
        files.sync()
    except OSError as exc:
        files.abandon()
        _abandon(staging, store)        # it would keep the space the disk lacks
        raise WriteError(project, builds, exc) from None
    except BaseException:
        files.abandon()
        _abandon(staging, store)
        raise
    metadata = {
        "version": describe_versions(),
        "ontology_version": result.ontology_version,
        "graphs": result.graph_sizes(),
        "default_graphs": sorted(result.graphs),      # the default graph is their union; not the section graphs
        "triples": triples,
        "store": with_store,
        "conforms": result.report.conforms,
        "violations": len(result.report.violations),
        "warnings": len(result.report.warnings),
        "sources": source_digests(project),
        "files": dict(sorted(files.digests.items())),
    }
    described = (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode("utf-8")
    build_id = sha256(described)[:16]

    final = builds / build_id
    damaged = None
    if final.exists() and not _holds(final, files, described):
        # The same build was written before and has since been damaged (a flipped byte, a
        # truncated file). Reusing it would keep serving the damage, and `nkhr build` (the fix
        # the error message suggests) would never repair it: write a fresh folder beside it.
        damaged, final = final, builds / f"{build_id}-{time.time_ns()}"
    if final.exists():
        shutil.rmtree(staging, ignore_errors=True)          # the same build is there, whole
    else:
        try:
            files[METADATA] = described
            files.sync()
            try:
                os.replace(staging, final)
            except OSError:             # a concurrent build of the same sources got there first
                if not _holds(final, files, described):
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)      # it would keep the space the disk lacks
            raise WriteError(project, builds, exc) from None
    # The store is written while the other files are made: "store" is its own time, within "write".
    result.timings["write"] = time.perf_counter() - started
    try:
        (final / TIMINGS).write_text(json.dumps(result.timings, indent=2, sort_keys=True) + "\n")
        _point_dist_at(project, final)
    except OSError as exc:          # the build folder is whole; dist/ still points at the previous one
        raise WriteError(project, builds, exc) from None
    if damaged is not None:
        shutil.rmtree(damaged, ignore_errors=True)
    _remove_old_builds(builds, keep=final)
    # every file made, build.json and timings.json: the same count whether or not the same build was there
    count = len(files.digests.keys() - {METADATA}) + 2
    progress(f"wrote {project.relative(project.dist_dir)}/ ({count} files) in "
             + (f"{result.timings['write']:.2f}s, and its query store in {result.timings['store']:.2f}s"
                if with_store else f"{result.timings['write']:.2f}s (no query store: it is served from memory)"))
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


# How much lower the query store's load is scheduled than the rest of the build (see _yield_the_cores).
STORE_NICENESS = 10


class _StoreInBackground:
    """The query store, bulk-loaded from dataset.nq in a thread while the other files are made.

    pyoxigraph lets go of the interpreter while it bulk-loads, so on two cores the store (a third
    of the write stage at 100,000 triples) overlaps the dumps, the tables and the search index."""

    def __init__(self, nquads: Path, folder: Path):
        self.seconds = 0.0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, args=(nquads, folder), name="nkhr-store", daemon=True)
        self._thread.start()

    def _write(self, nquads: Path, folder: Path) -> None:
        started = time.perf_counter()
        _yield_the_cores()
        try:
            write_store(nquads, folder)
        except BaseException as exc:        # handed to the thread that waits
            self.error = exc
        self.seconds = time.perf_counter() - started

    def wait(self) -> float:
        """The seconds the store took; its error, if it failed, raised here."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.seconds


def _yield_the_cores() -> None:
    """Lower this thread's scheduling priority (and that of the threads it starts: RocksDB's
    loaders), so that validation, which the build waits for last, gets the cores first: at a
    million triples the store's load (80 s of CPU in several threads) otherwise took its share
    from validation's child for the whole of its run. Where the system has no such priority
    per thread, nothing changes."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), STORE_NICENESS)
    except (AttributeError, OSError):
        pass


def _abandon(staging: Path, store: _StoreInBackground | None) -> None:
    """Remove a staging folder, once the store's thread has stopped writing into it."""
    if store is not None:
        try:
            store.wait()
        except BaseException:       # the build already failed; its first error is the one to report
            pass
    shutil.rmtree(staging, ignore_errors=True)


class _Spool(MutableMapping[str, bytes]):
    """The files of a build, each written to the staging folder as soon as it is made, with its
    digest: a million triples make about 1.4 GB of dumps, which no longer sit in memory together.
    Reading a file back (the search index and the tables read dataset.nq) reads the disk.

    Each file is handed, once written, to threads that make it durable (``_Syncer``) while
    the next ones are made; ``sync()`` waits for them. The guarantee: nothing is published before
    ``sync()`` has returned, and it returns only once every file written so far is durable."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.digests: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self._syncer: _Syncer | None = None

    def __setitem__(self, name: str, data: bytes) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        self.digests[name], self.sizes[name] = sha256(data), len(data)
        self._written(path)

    def write_parts(self, name: str, parts: Iterable[bytes]) -> None:
        """Write a file made in parts, never held whole (``files[name] = data`` for the parts joined)."""
        path, digest, size = self.folder / name, hashlib.sha256(), 0
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            for part in parts:
                handle.write(part)
                digest.update(part)
                size += len(part)
        self.digests[name], self.sizes[name] = digest.hexdigest(), size
        self._written(path)

    def _written(self, path: Path) -> None:
        if self._syncer is None:
            self._syncer = _Syncer()
        self._syncer.put(path)

    def sync(self) -> None:
        """Make every file written so far durable, before the folder is published: wait for the
        threads that fsync them; raise the first error they met (a file written after this is
        handed to new ones)."""
        syncer, self._syncer = self._syncer, None
        if syncer is not None:
            syncer.finish()

    def abandon(self) -> None:
        """Stop making the files durable (the folder is being removed): the threads fsync none of
        those still waiting and are gone when this returns."""
        syncer, self._syncer = self._syncer, None
        if syncer is not None:
            syncer.finish(abandon=True)

    def __getitem__(self, name: str) -> bytes:
        if name not in self.digests:
            raise KeyError(name)
        return (self.folder / name).read_bytes()

    def __delitem__(self, name: str) -> None:
        (self.folder / name).unlink()          # the threads skip a file that is gone
        del self.digests[name], self.sizes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.digests))

    def __len__(self) -> int:
        return len(self.digests)


class _Syncer:
    """Threads that fsync files as they are handed over, while the main thread makes the next
    ones: fsync lets go of the interpreter, so the disk's flushes leave the build's critical path
    instead of adding up at the end. Several at once, because the file system commits the
    fsyncs that wait together in one journal commit: 72 files took 0.10-0.17 s one after the
    other on a busy disk, 0.01-0.03 s four at a time."""

    THREADS = 4

    def __init__(self) -> None:
        self.error: OSError | None = None
        self._queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._abandoned = False
        self._threads = [threading.Thread(target=self._run, name="nkhr-fsync", daemon=True)
                         for _ in range(self.THREADS)]
        for thread in self._threads:
            thread.start()

    def put(self, path: Path) -> None:
        self._queue.put(path)

    def finish(self, abandon: bool = False) -> None:
        """Wait until every file handed over is durable (or, with ``abandon``, until the threads
        stop); raise the first error met."""
        self._abandoned = abandon
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self.error is not None and not abandon:
            raise self.error

    def _run(self) -> None:
        while (path := self._queue.get()) is not None:
            if self.error is not None or self._abandoned:
                continue            # drain: the first error is the one reported
            try:
                descriptor = os.open(path, os.O_RDONLY)
            except FileNotFoundError:       # removed since (a file replaced or deleted)
                continue
            except OSError as exc:
                self.error = self.error or exc
                continue
            try:
                os.fsync(descriptor)
            except OSError as exc:
                self.error = self.error or exc
            finally:
                os.close(descriptor)


def _point_dist_at(project: Project, target: Path) -> None:
    link = project.dist_dir
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a real folder, not a link to a build; move it away and build again")
    temporary = link.with_name(f".dist-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def _holds(folder: Path, files: _Spool, described: bytes) -> bool:
    """True when ``folder`` holds exactly these files (by size and digest) and this build.json,
    and its whole query store if it has one."""
    if not (folder / METADATA).is_file() or (folder / METADATA).read_bytes() != described:
        return False
    if has_store(json.loads(described)) and store_damage(folder / STORE_DIR):
        return False
    for name, digest in files.digests.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != files.sizes[name] or file_sha256(path) != digest:
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


