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
from typing import cast

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from .. import __version__
from ..project import Project
from ..serialize import OxTerm, SortedDataset
from ..vocab import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, section_graph
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


@dataclass
class BuildResult:
    project: Project
    ontology: LoadedFiles
    data: LoadedFiles
    closure: FastClosure | Closure     # owlrl's when the ontology uses what the fast reasoner does not
    report: ValidationReport
    timings: dict[str, float] = field(default_factory=dict)     # seconds per stage
    shapes: Graph | None = None
    catalog: dict[str, bytes] = field(default_factory=dict)     # queries/<name>.rq, as run on this build
    provenance: Provenance = field(default_factory=Provenance)  # which section states which triple

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

    @property
    def ontology_version(self) -> str:
        subject, predicate = ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
        versions = sorted(t.object.value for t in self.ontology.triples
                          if t.subject == subject and t.predicate == predicate and not isinstance(t.object, ox.Triple))
        return versions[0] if versions else "unknown"

    def files_for(self, node: Node | OxTerm) -> list[str]:
        return sorted({*self.data.files_for(node), *self.ontology.files_for(node)})


def run_build(project: Project, data_files: list[Path] | None = None,
              progress: Callable[[str], object] = lambda message: None) -> BuildResult:
    """Parse, reason, validate and run the queries.

    Raises SourceError, InconsistentError, NotConformingError, QueryFileError or CheckFailed.
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

    started = time.perf_counter()
    # report=None until validate() sets it on the next line: it reads the files through result.files_for
    result = BuildResult(project, ontology, data, closure, report=None, timings=timings,  # type: ignore[arg-type]
                         shapes=shapes, provenance=derive(data.by_file))
    result.report = validate(closure.validated(), shapes, result.files_for, lines_for=result.data.lines_for)
    timings["validate"] = time.perf_counter() - started
    progress(f"SHACL: {len(result.report.violations)} violation(s), "
             f"{len(result.report.warnings)} warning(s) in {timings['validate']:.2f}s")
    if not result.report.conforms:
        raise NotConformingError(result.report)

    started = time.perf_counter()
    result.catalog = run_queries(project, result.store, sorted(result.graphs))
    timings["queries"] = time.perf_counter() - started
    progress(f"queries: {len(result.catalog)} catalog queries ran and {len(check_files(project))} quality "
             f"checks found nothing wrong in {timings['queries']:.2f}s")
    return result


def describe_versions() -> dict[str, str]:
    import owlrl
    import pyshacl_turbo
    import rdflib
    return {"nkhr": __version__, "rdflib": rdflib.__version__, "owlrl": owlrl.__version__,
            "pyshacl-turbo": pyshacl_turbo.__version__}
