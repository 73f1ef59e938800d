"""The build's stages, timed one by one in a process of their own (so its peak memory is its own).

Run by ``bench.__main__`` as ``python -m bench.stages MODE PROJECT``; prints one JSON object per
line as each stage ends, so that a parent that stops the process at a time cap still knows
which stages finished and how long they took:

* ``fast``: parse, reason with ``nkhr.fastreason``, validate with SHACL (pyshacl-turbo), run the
  catalog queries and quality checks, write ``dist/``: the stages of ``nkhr build``;
* ``fast-novalidate``: the same without SHACL (used to write ``dist/`` when validation is
  skipped or ran over its time cap; the SHACL report written is then empty and says so);
* ``owlrl``: parse and reason with owlrl, the reference reasoner (on rdflib graphs).

The stages are called directly (``loading``, ``fastreason``/``reasoning``, ``validation``,
``dist``), as ``nkhr.build.run_build`` calls them, not through the CLI.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def _emit(**fields) -> None:
    fields["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(fields), flush=True)


def run(mode: str, root: Path) -> None:
    from rdflib import Graph

    from nkhr.build.load import load_files, parse_file
    from nkhr.build.pipeline import BuildResult
    from nkhr.build.provenance import derive
    from nkhr.build.validate import ValidationReport, validate
    from nkhr.project import Project

    project = Project(root)
    started = time.perf_counter()
    ontology = load_files(project.ontology_files(), project.relative)
    data = load_files(project.data_files(), project.relative)
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    _emit(stage="parse", seconds=time.perf_counter() - started,
          input_triples=len(ontology.triples) + len(data.triples))

    started = time.perf_counter()
    if mode == "owlrl":
        from nkhr.build.reason import owl_rl_closure
        closure = owl_rl_closure(ontology.graph, data.graph)       # the reference reads rdflib graphs
        _emit(stage="reason_owlrl", seconds=time.perf_counter() - started, inferred=len(closure.inferred))
        return
    from nkhr.build.fastreason import fast_closure
    closure = fast_closure(ontology.triples, data.triples)
    _emit(stage="reason_fast", seconds=time.perf_counter() - started, inferred=len(closure.inferred_triples))

    result = BuildResult(project, ontology, data, closure, timings={}, shapes=shapes,
                         provenance=derive(data.by_file))
    if mode == "fast":
        started = time.perf_counter()
        result.report = validate(closure.validated(), shapes, result.files_for, lines_for=data.lines_for)
        _emit(stage="validate", seconds=time.perf_counter() - started, conforms=result.report.conforms,
              violations=len(result.report.violations), warnings=len(result.report.warnings))
    else:
        report = Graph()
        result.report = ValidationReport(conforms=True, problems=[], graph=report)

    started = time.perf_counter()
    _run_queries(project, result)
    _emit(stage="queries", seconds=time.perf_counter() - started, catalog=len(result.catalog))

    from nkhr.build.write import write_dist
    started = time.perf_counter()
    write_dist(result)
    _emit(stage="write", seconds=time.perf_counter() - started, store_seconds=result.timings.get("store"),
          published_triples=sum(len(g) for g in result.graphs.values()),
          nquads_bytes=(project.dist_dir / "dataset.nq").stat().st_size)


def _run_queries(project, result) -> None:
    """The build's query stage as ``run_build`` runs it (the catalog and the quality checks)."""
    from nkhr.build.queries import run_queries
    result.catalog = run_queries(project, result.store, sorted(result.graphs))


if __name__ == "__main__":
    run(sys.argv[1], Path(sys.argv[2]))
