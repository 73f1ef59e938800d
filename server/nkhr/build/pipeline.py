"""The build: parse the curated files, reason with OWL-RL, validate with SHACL, run the queries.

``run_build`` does the work in memory and returns everything a caller may want; writing
``dist/`` is the separate, atomic step in ``build/write.py``. ``nkhr validate`` runs the same
pipeline and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from .. import __version__
from ..project import Project
from ..serialize import OxTerm, SortedDataset, graph_bytes, sorted_lines
from ..vocab import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, section_graph
from .background import Background, BackgroundError, Inbox
from .collector import paused
from .fastreason import FastClosure, fast_closure
from .load import LoadedFiles, load_files, parse_file
from .provenance import Provenance, derive
from .queries import check_files, run_queries
from .reason import Closure

# The named graphs whose union is the published default graph (``BuildResult.graphs``).
DEFAULT_GRAPHS = frozenset((GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED))

# Input triples from which the section graphs and the sorted lines are made beside reasoning, in a
# child of their own (``run_build``): at 100,000 the build took 13 s against 15 s; on the article
# (7,317) the third process made it 0.1 s slower, its reasoning being shorter than validation's
# child's preparing the shapes, on the same second core.
SORT_BESIDE_MIN = 50_000

if TYPE_CHECKING:       # validate (and the SHACL engine) is imported by the background child only
    from .report import ValidationReport


class NotConformingError(Exception):
    """The data does not conform to the shapes; ``report`` says where and why."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.render())


@dataclass
class _Checked:
    """What validation in the background sends back (``run_build``): the SHACL report, its
    graph's prefixes (a pickled rdflib graph loses them) and its Turtle, and its seconds."""

    report: ValidationReport
    namespaces: list[tuple[str, str]]
    report_turtle: bytes
    validate_seconds: float


@dataclass
class _FromStore:
    """What the second background child makes from the published dataset in a store of its own
    (``_from_store``): the catalog files as run on it (the quality checks passed), the search
    index and the tables; the seconds each part took."""

    catalog: dict[str, bytes]
    files: dict[str, bytes]
    timings: dict[str, float]


@dataclass
class BuildResult:
    project: Project
    ontology: LoadedFiles
    data: LoadedFiles
    closure: FastClosure | Closure     # owlrl's when the ontology uses what the fast reasoner does not
    timings: dict[str, float] = field(default_factory=dict)     # seconds per stage
    shapes: Graph | None = None
    # which section states which triple; derived when first read if not given (``run_build`` has
    # the section graphs' lines made in a child and never needs it)
    provenance: Provenance | None = None
    progress: Callable[[str], object] = field(default=lambda message: None, repr=False)
    # validation, running in the background until ``report`` is read
    checks: Background[_Checked] | None = field(default=None, repr=False)
    # the query stage, the search index and the tables, in the background until ``catalog`` or
    # ``store_files()`` is read
    from_store: Background[_FromStore] | None = field(default=None, repr=False)
    _report: ValidationReport | None = field(default=None, repr=False)
    _report_turtle: bytes | None = field(default=None, repr=False)
    _catalog: dict[str, bytes] | None = field(default=None, repr=False)
    _store_files: dict[str, bytes] | None = field(default=None, repr=False)
    _section_sizes: dict[str, int] | None = field(default=None, repr=False)

    @property
    def report(self) -> ValidationReport:
        """The SHACL report; while the checks still run in the background, waiting for them."""
        self._wait()
        if self._report is None:
            raise RuntimeError("this build has not been validated")
        return self._report

    @report.setter
    def report(self, report: ValidationReport) -> None:
        self._report, self._report_turtle = report, None

    @property
    def catalog(self) -> dict[str, bytes]:
        """The catalog files (queries/<name>.rq) as run on this build; waiting for validation and
        the query stage, and raising NotConformingError first when the data does not conform (what
        the queries found on it is not read: a build that does not conform has no query stage)."""
        self.require_conforming()
        self._wait_from_store()
        if self._catalog is None:
            raise RuntimeError("the catalog queries have not been run on this build")
        return self._catalog

    @catalog.setter
    def catalog(self, files: dict[str, bytes]) -> None:
        self._catalog = files

    def store_files(self) -> dict[str, bytes]:
        """The files made from the published dataset's store: the search index
        (build/search_index.py) and the tables (build/tables.py). Made in the background beside
        the query stage (waited for here), or here from ``store`` for a result built without it."""
        if self.from_store is not None:
            self.require_conforming()       # its errors (the query stage's) come after the data's
            self._wait_from_store()
        if self._store_files is None:
            self._store_files = _store_files_of(self.store)
        return self._store_files

    def _wait(self) -> None:
        if self.checks is None:
            return
        pending, self.checks = self.checks, None
        checked = pending.result()
        for prefix, namespace in checked.namespaces:
            checked.report.graph.bind(prefix, namespace, override=True, replace=True)
        checked.report = checked.report.located(self.files_for, self.data.lines_for)
        self._report, self._report_turtle = checked.report, checked.report_turtle
        self.timings["validate"] = checked.validate_seconds
        beside = " (in the background)" if pending.forked else ""
        self.progress(f"SHACL: {len(checked.report.violations)} violation(s), "
                      f"{len(checked.report.warnings)} warning(s) in {checked.validate_seconds:.2f}s{beside}")
        if not checked.report.conforms:
            self.stop_background()          # what the queries find on data that does not conform is not read

    def _wait_from_store(self) -> None:
        if self.from_store is None:
            return
        pending, self.from_store = self.from_store, None
        made = pending.result()             # the query stage's errors are raised here
        self._catalog, self._store_files = made.catalog, made.files
        self.timings.update(made.timings)
        beside = " (in the background)" if pending.forked else ""
        self.progress(f"queries: {len(made.catalog)} catalog queries ran and "
                      f"{len(check_files(self.project))} quality checks found nothing wrong in "
                      f"{made.timings['queries']:.2f}s{beside}")

    def stop_background(self) -> None:
        """Stop what still runs in the background, its result unread (the build failed)."""
        for pending in (self.checks, self.from_store):
            if pending is not None:
                pending.stop()
        self.checks = self.from_store = None

    def report_turtle(self) -> bytes:
        """The report as the Turtle of shacl-report.ttl (made beside validation when it ran in the background)."""
        report = self.report
        if self._report_turtle is None:
            self._report_turtle = graph_bytes(report.graph, "turtle")
        return self._report_turtle

    def wait_for_checks(self) -> None:
        """Wait for validation and the query stage; raise NotConformingError, QueryFileError or
        CheckFailed (the data's problems first: a build that does not conform has no query stage)."""
        if self.catalog is None:        # the property raises what validation or the query stage raised
            raise RuntimeError("the catalog queries have not been run on this build")

    def require_conforming(self) -> None:
        """Raise NotConformingError unless the data conforms (waiting for validation)."""
        if not self.report.conforms:
            raise NotConformingError(self.report)

    @property
    def graphs(self) -> dict[str, set[ox.Triple]]:
        """The named graphs whose union is the default graph, by name, as pyoxigraph triples."""
        graphs = {
            GRAPH_ONTOLOGY: self.ontology.triples,
            GRAPH_ASSERTED: self.data.triples,
            GRAPH_INFERRED: self.closure.inferred_triples,
        }
        assert set(graphs) == DEFAULT_GRAPHS
        return graphs

    @cached_property
    def section_graphs(self) -> dict[str, list[ox.Triple]]:
        """One named graph per article section: the asserted triples it states (build/provenance.py),
        as the parser's triples (``serialize.make_dataset`` takes them as they are)."""
        if self.provenance is None:
            self.provenance = derive(self.data.by_file)
        # derive() was given the parser's triples (data.by_file), so it returns pyoxigraph ones
        return {section_graph(section): cast(list[ox.Triple], triples)
                for section, triples in self.provenance.by_section.items()}

    @property
    def published_graphs(self) -> dict[str, Collection[ox.Triple]]:
        """Every named graph of the dataset: ``graphs`` (the default graph's parts) and the section graphs."""
        return {**self.graphs, **self.section_graphs}

    def graph_sizes(self) -> dict[str, int]:
        """How many triples each published graph holds (build.json), without making the section
        graphs again when their lines were made in the background (``run_build``)."""
        if self._section_sizes is None:
            return {name: len(graph) for name, graph in self.published_graphs.items()}
        return {**{name: len(graph) for name, graph in self.graphs.items()}, **self._section_sizes}

    @cached_property
    def store(self) -> ox.Store:
        """The published dataset in one in-memory store (``store_of``), for a result whose store
        files and queries were not made in the background (tools, benchmarks)."""
        return store_of(self.dataset)

    @cached_property
    def dataset(self) -> SortedDataset:
        """The published dataset in the dumps' order (``serialize.SortedDataset``): the write
        stage's. Its default graph is the union of ``graphs`` (the section graphs repeat
        asserted triples), as the endpoint's is. ``run_build`` makes it from lines sorted in
        the background (``use_sorted``)."""
        return SortedDataset(self.published_graphs, default=DEFAULT_GRAPHS)

    def use_sorted(self, parts: _SortedParts) -> SortedDataset:
        """Make ``dataset`` of the lines sorted beside reasoning (``_sorted_parts``) and of the
        inferred graph's, sorted here."""
        lines = {name: text.split(b"\n") if text else [] for name, text in parts.lines.items()}
        lines[GRAPH_INFERRED] = sorted_lines(self.closure.inferred_triples)
        self._section_sizes = parts.section_sizes
        self.__dict__["dataset"] = dataset = SortedDataset.of_lines(lines, default=DEFAULT_GRAPHS)
        return dataset

    def release_dataset(self) -> None:
        """Let the sorted lines go once the dumps are written (about half a gigabyte at a million
        triples); the background children were sent, or hold, what they read of them."""
        self.__dict__.pop("dataset", None)
        self.__dict__.pop("store", None)

    @property
    def ontology_version(self) -> str:
        subject, predicate = ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
        versions = sorted(t.object.value for t in self.ontology.triples
                          if t.subject == subject and t.predicate == predicate and not isinstance(t.object, ox.Triple))
        return versions[0] if versions else "unknown"

    def files_for(self, node: Node | OxTerm) -> list[str]:
        return sorted({*self.data.files_for(node), *self.ontology.files_for(node)})


@paused()
def run_build(project: Project, data_files: list[Path] | None = None,
              progress: Callable[[str], object] = lambda message: None, wait: bool = True) -> BuildResult:
    """Parse, reason, validate and run the queries.

    Validation and the query stage run in the background (``build/background.py``), each in
    a child of its own, beside each other and beside the writing of the files. Validation's child
    is started before the data is parsed: it imports the SHACL engine and prepares the shapes
    meanwhile, and is then sent the default graph's N-Triples. Above ``SORT_BESIDE_MIN`` input
    triples a child forked with the parsed data derives the section graphs and sorts the lines
    of every graph but the inferred one while the build reasons. The query stage's child is
    forked once all the lines are made, which it inherits: it loads them into the store the
    catalog queries and the quality checks run on, and makes from it the search index and the
    tables too (``_from_store``); the build itself loads no store. The build is bound by its
    CPU on two cores (BENCHMARKS.md, the fourth pass): this layout loads one store fewer than
    the one before it and starts validation earlier, which made 100,000 triples build in 13 s
    instead of 16 s and the article in the same time.

    Nothing after them reads their results until the build is about to be published. With
    ``wait`` (the default) they are awaited here; else by whoever reads ``result.report`` or
    ``result.catalog`` first (``write_dist`` does, before it publishes anything).

    Raises SourceError, InconsistentError, NotConformingError, QueryFileError or CheckFailed
    (the last three when the checks are awaited): the data's problems first, and when the data
    does not conform, what the queries found on it is not read and their child is stopped.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    checks = Background(partial(_checks, project, shapes))     # forked now, with the shapes parsed
    from_store: Background[_FromStore] | None = None
    sorting: Background[_SortedParts] | None = None
    try:
        ontology = load_files(project.ontology_files(), project.relative)
        data = load_files(data_files if data_files is not None else project.data_files(), project.relative)
        timings["parse"] = time.perf_counter() - started
        progress(f"parsed {len(ontology.files)} ontology and {len(data.files)} data files "
                 f"({len(ontology.triples) + len(data.triples)} triples) in {timings['parse']:.2f}s")

        # What does not wait for the closure is made beside it, in a child forked with the parsed
        # data: the section graphs (build/provenance.py) and the sorted lines of every graph but
        # the inferred one (the reasoner holds the interpreter, so a thread could not). Not for a
        # small build, whose reasoning is over before validation's child has prepared the shapes:
        # a third process then only slows the other two.
        parts = partial(_sorted_parts, ontology.triples, data.triples, data.by_file)
        if len(ontology.triples) + len(data.triples) >= SORT_BESIDE_MIN:
            sorting = Background(parts)
        started = time.perf_counter()
        # The OWL-RL entailments our ontology needs, 20x faster than owlrl and proven equal to its
        # result by tests/build/test_reasoning_equivalence.py; owlrl remains the fallback and the reference.
        closure = fast_closure(ontology.triples, data.triples)
        timings["reason"] = time.perf_counter() - started
        progress(f"OWL-RL closure: {len(closure.inferred_triples)} new triples in {timings['reason']:.2f}s")

        result = BuildResult(project, ontology, data, closure, timings=timings, shapes=shapes, progress=progress)
        started = time.perf_counter()
        if sorting is not None:
            dataset = result.use_sorted(sorting.result())
            timings["sort_beside"] = sorting.seconds
        else:
            dataset = result.use_sorted(parts(iter(())))     # here, with the empty inbox it ignores
        timings["sort"] = time.perf_counter() - started      # the lines (or the inferred graph's and the wait)
        # Forked before the thread that sends validation its input starts (a process with other
        # threads does not fork: build/background.py); it inherits the sorted lines.
        from_store = Background(partial(_from_store, project, dataset))
        checks.send(_check_inputs(dataset))     # validation waits for it; a thread sends it
    except BaseException:
        checks.cancel()
        for pending in (sorting, from_store):
            if pending is not None:
                pending.stop()
        raise
    result.checks, result.from_store = checks, from_store
    if wait:
        result.wait_for_checks()
    return result


@dataclass
class _SortedParts:
    """What the child forked beside reasoning sends back (``_sorted_parts``): each graph's
    sorted lines joined by line breaks (the ontology, the asserted triples, each section), and
    how many triples each section graph holds."""

    lines: dict[str, bytes]
    section_sizes: dict[str, int]


def _sorted_parts(ontology: Collection[ox.Triple], data: Collection[ox.Triple],
                  by_file: dict[str, list[ox.Triple]], inbox: Inbox) -> _SortedParts:
    """The section graphs derived from the parsed files, and the sorted lines of every graph
    that does not wait for the closure (``serialize.sorted_lines``)."""
    sections = {section_graph(section): cast(list[ox.Triple], triples)
                for section, triples in derive(by_file).by_section.items()}
    graphs: dict[str, Collection[ox.Triple]] = {GRAPH_ONTOLOGY: ontology, GRAPH_ASSERTED: data, **sections}
    return _SortedParts({name: b"\n".join(sorted_lines(triples)) for name, triples in graphs.items()},
                        {name: len(triples) for name, triples in sections.items()})


def _check_inputs(dataset: SortedDataset) -> Iterator[bytes]:
    """What validation is sent (``_checks`` reads it): the default graph of the published dataset
    as N-Triples (the ontology, the asserted and the inferred triples, each once: the section
    graphs repeat asserted ones), made as it is sent: the dumps' own lines, which the write
    stage reads too."""
    yield dataset.ntriples()


def _checks(project: Project, shapes: Graph, inbox: Inbox) -> _Checked:
    """Validate the data sent (``_check_inputs``): in the background child, which meanwhile
    imported the SHACL engine and prepared the shapes. The report's problems are located in the
    sources by the build (``BuildResult._wait``), which holds them."""
    from .validate import prepare, validate
    prepared = prepare(shapes)
    default_graph = next(inbox, None)
    if default_graph is None:
        raise BackgroundError("the build stopped before it sent the data to check")
    started = time.perf_counter()       # the data is here: loading it is part of validation's time
    validated = _store_of(default_graph)
    del default_graph
    report = validate(validated, prepared, None)
    del validated
    return _Checked(report, [(prefix, str(namespace)) for prefix, namespace in report.graph.namespaces()],
                    graph_bytes(report.graph, "turtle"), time.perf_counter() - started)


def _from_store(project: Project, dataset: SortedDataset, inbox: Inbox) -> _FromStore:
    """The query stage (the catalog and the quality checks, as the endpoint would run them) and
    the files made from the store (those of ``_store_files_of``), on the published dataset loaded
    into a store (``store_of``): in the background child forked with the dataset's sorted lines.

    The search index is made beside the queries and the tables, in a child of this child
    forked once the store is loaded, which reads the same store (a fork shares its memory):
    made after them, it was the article's last 0.3 s, on one core while the other waited."""
    from .search_index import SEARCH_FILE, index_store
    from .tables import tables_of_store
    timings: dict[str, float] = {}
    started = time.perf_counter()
    store = store_of(dataset)
    timings["store_in_memory"] = time.perf_counter() - started
    index = Background(lambda inbox: index_store(store))
    try:
        started = time.perf_counter()
        catalog = run_queries(project, store, sorted(DEFAULT_GRAPHS))
        timings["queries"] = time.perf_counter() - started
        started = time.perf_counter()
        files = tables_of_store(store)
        timings["tables"] = time.perf_counter() - started
        files[SEARCH_FILE] = index.result()
    except BaseException:
        index.stop()
        raise
    timings["search_index"] = index.seconds
    return _FromStore(catalog, files, timings)


def store_of(dataset: SortedDataset) -> ox.Store:
    """The published dataset in one in-memory store: every named graph, the default graph empty
    (queries name the union of ``DEFAULT_GRAPHS``, as the endpoint does). Loaded from the dumps'
    own N-Triples of each graph, which Oxigraph parses without a Python object per quad (making
    one per quad took four times as long), leniently as ``serialize.read_quads`` reads them (Oxigraph
    checked their IRIs and tags before writing them: half the time of the load); it holds the dumps'
    blank-node labels, as the served store does."""
    store = ox.Store()
    for name in dataset.names:
        text = dataset.ntriples(name)
        if text:
            store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name), lenient=True)
    return store


def _store_files_of(store: ox.Store) -> dict[str, bytes]:
    """The full-text search index (build/search_index.py) and the CSV data package (build/tables.py)."""
    from .search_index import SEARCH_FILE, index_store
    from .tables import tables_of_store
    return {SEARCH_FILE: index_store(store), **tables_of_store(store)}


def _store_of(ntriples: bytes) -> ox.Store:
    """A store holding ``ntriples`` (the dumps' lines) in its default graph, loaded as ``store_of`` loads them."""
    store = ox.Store()
    if ntriples:
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return store


def describe_versions() -> dict[str, str]:
    from importlib.metadata import version  # the SHACL engine itself is only imported where it runs
    return {"nkhr": __version__, "rdflib": version("rdflib"), "owlrl": version("owlrl"),
            "pyshacl-turbo": version("pyshacl-turbo")}
