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
from ..serialize import OxTerm, SortedDataset, graph_bytes
from ..vocab import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, section_graph
from .background import Background, BackgroundError, Inbox
from .fastreason import FastClosure, fast_closure
from .load import LoadedFiles, load_files, parse_file
from .provenance import Provenance, derive
from .queries import check_files, run_queries
from .reason import Closure

# The named graphs whose union is the published default graph (``BuildResult.graphs``).
DEFAULT_GRAPHS = frozenset((GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED))

if TYPE_CHECKING:       # validate (and the SHACL engine) is imported by the background child only
    from .report import ValidationReport


class NotConformingError(Exception):
    """The data does not conform to the shapes; ``report`` says where and why."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.render())


@dataclass
class _Checked:
    """What the checks in the background send back (``run_build``): the SHACL report, its graph's
    prefixes (a pickled rdflib graph loses them) and its Turtle, and, when the data conforms,
    the catalog files as run on this build; the seconds each took."""

    report: ValidationReport
    namespaces: list[tuple[str, str]]
    report_turtle: bytes
    validate_seconds: float
    catalog: dict[str, bytes] | None = None
    queries_seconds: float = 0.0


@dataclass
class BuildResult:
    project: Project
    ontology: LoadedFiles
    data: LoadedFiles
    closure: FastClosure | Closure     # owlrl's when the ontology uses what the fast reasoner does not
    timings: dict[str, float] = field(default_factory=dict)     # seconds per stage
    shapes: Graph | None = None
    provenance: Provenance = field(default_factory=Provenance)  # which section states which triple
    progress: Callable[[str], object] = field(default=lambda message: None, repr=False)
    # validation and the query stage, running in the background until ``report`` or ``catalog`` is read
    checks: Background[_Checked] | None = field(default=None, repr=False)
    _report: ValidationReport | None = field(default=None, repr=False)
    _report_turtle: bytes | None = field(default=None, repr=False)
    _catalog: dict[str, bytes] | None = field(default=None, repr=False)

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
        """The catalog files (queries/<name>.rq) as run on this build; waiting for the checks, and
        raising NotConformingError first when the data does not conform (the queries did not run)."""
        self._wait()
        if self._catalog is None:
            self.require_conforming()
            raise RuntimeError("the catalog queries have not been run on this build")
        return self._catalog

    @catalog.setter
    def catalog(self, files: dict[str, bytes]) -> None:
        self._catalog = files

    def _wait(self) -> None:
        if self.checks is None:
            return
        pending, self.checks = self.checks, None
        checked = pending.result()          # the query stage's errors are raised here
        for prefix, namespace in checked.namespaces:
            checked.report.graph.bind(prefix, namespace, override=True, replace=True)
        checked.report = checked.report.located(self.files_for, self.data.lines_for)
        self._report, self._report_turtle, self._catalog = checked.report, checked.report_turtle, checked.catalog
        self.timings["validate"] = checked.validate_seconds
        beside = " (in the background)" if pending.forked else ""
        self.progress(f"SHACL: {len(checked.report.violations)} violation(s), "
                      f"{len(checked.report.warnings)} warning(s) in {checked.validate_seconds:.2f}s{beside}")
        if checked.catalog is not None:
            self.timings["queries"] = checked.queries_seconds
            self.progress(f"queries: {len(checked.catalog)} catalog queries ran and "
                          f"{len(check_files(self.project))} quality checks found nothing wrong in "
                          f"{checked.queries_seconds:.2f}s{beside}")

    def report_turtle(self) -> bytes:
        """The report as the Turtle of shacl-report.ttl (made beside validation when it ran in the background)."""
        report = self.report
        if self._report_turtle is None:
            self._report_turtle = graph_bytes(report.graph, "turtle")
        return self._report_turtle

    def wait_for_checks(self) -> None:
        """Wait for validation and the query stage; raise NotConformingError, QueryFileError or
        CheckFailed (the data's problems first: a build that does not conform runs no query)."""
        self.require_conforming()
        if self.catalog is None:        # the property raises what the query stage raised
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
        # derive() was given the parser's triples (data.by_file), so it returns pyoxigraph ones
        return {section_graph(section): cast(list[ox.Triple], triples)
                for section, triples in self.provenance.by_section.items()}

    @property
    def published_graphs(self) -> dict[str, Collection[ox.Triple]]:
        """Every named graph of the dataset: ``graphs`` (the default graph's parts) and the section graphs."""
        return {**self.graphs, **self.section_graphs}

    def load_store(self) -> None:
        """Load ``store`` now (it is loaded on first use otherwise)."""
        _ = self.store

    @cached_property
    def store(self) -> ox.Store:
        """The published dataset in one in-memory store, loaded once: the tables and the search
        index read it (they used to load a copy each, from the dump); the checks load theirs the same way.

        It is loaded from the dumps' own N-Triples of each graph (``dataset``), which Oxigraph
        parses without a Python object per quad (making one per quad took four times as long),
        and it holds the dumps' blank-node labels, as the served store does."""
        store = ox.Store()
        for name in self.dataset.names:
            text = self.dataset.ntriples(name)
            if text:
                store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
        return store

    @cached_property
    def dataset(self) -> SortedDataset:
        """The published dataset in the dumps' order (``serialize.SortedDataset``): the write stage's."""
        return SortedDataset(self.published_graphs)

    def release_store(self) -> None:
        """Let the in-memory store go once the tables and the search index are made (the checks
        load their own, from what they were sent)."""
        self.__dict__.pop("store", None)

    def release_dataset(self) -> None:
        """Let the sorted lines go once the dumps are written (about half a gigabyte at a million
        triples); the checks were sent what they read of them."""
        self.__dict__.pop("dataset", None)

    @property
    def ontology_version(self) -> str:
        subject, predicate = ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
        versions = sorted(t.object.value for t in self.ontology.triples
                          if t.subject == subject and t.predicate == predicate and not isinstance(t.object, ox.Triple))
        return versions[0] if versions else "unknown"

    def files_for(self, node: Node | OxTerm) -> list[str]:
        return sorted({*self.data.files_for(node), *self.ontology.files_for(node)})


def run_build(project: Project, data_files: list[Path] | None = None,
              progress: Callable[[str], object] = lambda message: None, wait: bool = True) -> BuildResult:
    """Parse, reason, validate and run the queries.

    Validation and then the query stage run in the background (``build/background.py``): a
    child started before the data is parsed, which imports the SHACL engine and prepares the
    shapes meanwhile, and is then sent the dataset's N-Triples. Nothing after them reads their
    results until the build is about to be published. With ``wait`` (the default) they are
    awaited here; else by whoever reads ``result.report`` or ``result.catalog`` first
    (``write_dist`` does, before it publishes anything), so that they run beside the writing of
    the files.

    Raises SourceError, InconsistentError, NotConformingError, QueryFileError or CheckFailed
    (the last three when the checks are awaited); a build that does not conform runs no query.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    checks = Background(partial(_checks, project, shapes))     # forked now, with the shapes parsed
    try:
        ontology = load_files(project.ontology_files(), project.relative)
        data = load_files(data_files if data_files is not None else project.data_files(), project.relative)
        timings["parse"] = time.perf_counter() - started
        progress(f"parsed {len(ontology.files)} ontology and {len(data.files)} data files "
                 f"({len(ontology.triples) + len(data.triples)} triples) in {timings['parse']:.2f}s")

        started = time.perf_counter()
        # The OWL-RL entailments our ontology needs, 20x faster than owlrl and proven equal to its
        # result by tests/build/test_reasoning_equivalence.py; owlrl remains the fallback and the reference.
        closure = fast_closure(ontology.triples, data.triples)
        timings["reason"] = time.perf_counter() - started
        progress(f"OWL-RL closure: {len(closure.inferred_triples)} new triples in {timings['reason']:.2f}s")

        result = BuildResult(project, ontology, data, closure, timings=timings, shapes=shapes,
                             provenance=derive(data.by_file), progress=progress)
        started = time.perf_counter()
        checks.send(_check_inputs(result.dataset))     # first: they wait for it; a thread sends it
        result.load_store()         # the tables and the search index read it
        timings["store_in_memory"] = time.perf_counter() - started      # with the dumps' sorted lines it reads
    except BaseException:
        checks.cancel()
        raise
    result.checks = checks
    if wait:
        result.wait_for_checks()
    return result


def _check_inputs(dataset: SortedDataset) -> Iterator[bytes]:
    """What the checks are sent (``_checks`` reads it in this order): the default graph of the
    published dataset as N-Triples (the ontology, the asserted and the inferred triples, each
    once: the section graphs repeat asserted ones), then each named graph's name and N-Triples.
    Made as they are sent: the dumps' own lines, which the write stage reads too."""
    yield dataset.ntriples()
    for name in dataset.names:
        yield name.encode("utf-8")
        yield dataset.ntriples(name)


def _checks(project: Project, shapes: Graph, inbox: Inbox) -> _Checked:
    """Validate the data sent (``_check_inputs``) and, when it conforms, run the catalog queries
    and the quality checks on it: in the background child, which meanwhile imported the SHACL
    engine and prepared the shapes. The report's problems are located in the sources by the
    build (``BuildResult._wait``), which holds them."""
    from .validate import prepare, validate
    prepared = prepare(shapes)
    default_graph = next(inbox, None)
    if default_graph is None:
        raise BackgroundError("the build stopped before it sent the data to check")
    started = time.perf_counter()       # the data is here: loading it is part of validation's time
    validated = _store_of(default_graph)
    del default_graph
    store = ox.Store()
    for name in inbox:
        text = next(inbox)
        if text:
            store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name.decode("utf-8")))
        del text
    report = validate(validated, prepared, None)
    del validated
    checked = _Checked(report, [(prefix, str(namespace)) for prefix, namespace in report.graph.namespaces()],
                       graph_bytes(report.graph, "turtle"), time.perf_counter() - started)
    if report.conforms:
        started = time.perf_counter()
        checked.catalog = run_queries(project, store, sorted(DEFAULT_GRAPHS))
        checked.queries_seconds = time.perf_counter() - started
    return checked


def _store_of(ntriples: bytes) -> ox.Store:
    """A store holding ``ntriples`` in its default graph."""
    store = ox.Store()
    if ntriples:
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return store


def describe_versions() -> dict[str, str]:
    from importlib.metadata import version  # the SHACL engine itself is only imported where it runs
    return {"nkhr": __version__, "rdflib": version("rdflib"), "owlrl": version("owlrl"),
            "pyshacl-turbo": version("pyshacl-turbo")}
