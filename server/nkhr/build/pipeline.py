"""The build: parse the curated files, reason with OWL-RL, validate with SHACL, run the queries.

``run_build`` does the work in memory and returns everything a caller may want; writing
``dist/`` is the separate, atomic step in ``build/write.py``. ``nkhr validate`` runs the same
pipeline and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeAlias, cast

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from .. import __version__
from ..project import Project
from ..serialize import OxTerm, SortedDataset, graph_bytes
from ..vocab import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, section_graph
from .background import Background
from .fastreason import FastClosure, fast_closure
from .load import LoadedFiles, load_files, parse_file
from .provenance import Provenance, derive
from .queries import check_files, run_queries
from .reason import Closure
from .validate import ValidationReport, validate


class NotConformingError(Exception):
    """The data does not conform to the shapes; ``report`` says where and why."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(report.render())


_Validated: TypeAlias = tuple[ValidationReport, list[tuple[str, str]], bytes]
"""What validation in the background sends back: the report, its graph's prefixes, its Turtle."""


@dataclass
class BuildResult:
    project: Project
    ontology: LoadedFiles
    data: LoadedFiles
    closure: FastClosure | Closure     # owlrl's when the ontology uses what the fast reasoner does not
    # see ``report``: while in the background, the report, its graph's prefixes and its Turtle
    validation: ValidationReport | Background[_Validated] | None = None
    timings: dict[str, float] = field(default_factory=dict)     # seconds per stage
    shapes: Graph | None = None
    catalog: dict[str, bytes] = field(default_factory=dict)     # queries/<name>.rq, as run on this build
    provenance: Provenance = field(default_factory=Provenance)  # which section states which triple

    progress: Callable[[str], object] = field(default=lambda message: None, repr=False)
    _report_turtle: bytes | None = field(default=None, repr=False)

    @property
    def report(self) -> ValidationReport:
        """The SHACL report; while validation still runs in the background, waiting for it."""
        if isinstance(self.validation, Background):
            pending, self.validation = self.validation, None
            report, namespaces, self._report_turtle = pending.result()
            for prefix, namespace in namespaces:    # a pickled rdflib graph loses its own prefixes
                report.graph.bind(prefix, namespace, override=True, replace=True)
            self.validation = report
            self.timings["validate"] = pending.seconds
            self.progress(f"SHACL: {len(self.validation.violations)} violation(s), "
                          f"{len(self.validation.warnings)} warning(s) in {pending.seconds:.2f}s"
                          + (" (beside the stages after it)" if pending.forked else ""))
        if self.validation is None:
            raise RuntimeError("this build has not been validated")
        return self.validation

    @report.setter
    def report(self, report: ValidationReport) -> None:
        self.validation, self._report_turtle = report, None

    def report_turtle(self) -> bytes:
        """The report as the Turtle of shacl-report.ttl (made beside validation when it ran in the background)."""
        report = self.report
        if self._report_turtle is None:
            self._report_turtle = graph_bytes(report.graph, "turtle")
        return self._report_turtle

    def require_conforming(self) -> None:
        """Raise NotConformingError unless the data conforms (waiting for validation)."""
        if not self.report.conforms:
            raise NotConformingError(self.report)

    @property
    def graphs(self) -> dict[str, set[ox.Triple]]:
        """The named graphs whose union is the default graph, by name, as pyoxigraph triples."""
        return {
            GRAPH_ONTOLOGY: self.ontology.triples,
            GRAPH_ASSERTED: self.data.triples,
            GRAPH_INFERRED: self.closure.inferred_triples,
        }

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

    @cached_property
    def store(self) -> ox.Store:
        """The published dataset in one in-memory store, loaded once: the query stage, the tables
        and the search index read it (they used to load a copy each, from the dump)."""
        store = ox.Store()
        for name, triples in self.published_graphs.items():
            graph_name = ox.NamedNode(name)
            store.extend(ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in triples)
        return store

    @cached_property
    def dataset(self) -> SortedDataset:
        """The published dataset in the dumps' order (``serialize.SortedDataset``): the write stage's."""
        return SortedDataset(self.published_graphs)

    def release_dataset(self) -> None:
        """Let the sorted lines go once the dumps are written (about half a gigabyte at a million triples)."""
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

    SHACL validation runs in the background (``build/background.py``) beside the query stage;
    with ``wait`` (the default) the result is awaited here, else by whoever reads
    ``result.report`` first (``write_dist`` does, before it publishes anything), so that it runs
    beside the writing of the files too.

    Raises SourceError, InconsistentError, NotConformingError, QueryFileError or CheckFailed;
    NotConformingError before the query stage's errors, as when the stages ran one by one.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    ontology = load_files(project.ontology_files(), project.relative)
    data = load_files(data_files if data_files is not None else project.data_files(), project.relative)
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
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

    def validation() -> _Validated:
        report = validate(closure.validated(), shapes, result.files_for, lines_for=result.data.lines_for)
        return (report, [(prefix, str(namespace)) for prefix, namespace in report.graph.namespaces()],
                graph_bytes(report.graph, "turtle"))
    result.validation = Background(validation)
    started = time.perf_counter()
    try:
        result.catalog = run_queries(project, result.store, sorted(result.graphs))
    except Exception:
        result.require_conforming()     # the data's problems come first
        raise
    timings["queries"] = time.perf_counter() - started
    progress(f"queries: {len(result.catalog)} catalog queries ran and {len(check_files(project))} quality "
             f"checks found nothing wrong in {timings['queries']:.2f}s")
    if wait:
        result.require_conforming()
    return result


def describe_versions() -> dict[str, str]:
    import owlrl
    import pyshacl_turbo
    import rdflib
    return {"nkhr": __version__, "rdflib": rdflib.__version__, "owlrl": owlrl.__version__,
            "pyshacl-turbo": pyshacl_turbo.__version__}
