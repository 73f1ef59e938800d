"""The build's stages, timed one by one in a process of their own (so its peak memory is its own).

Run by ``bench.__main__`` as ``python -m bench.stages MODE PROJECT``; prints one JSON object per
line as each stage ends, so that a parent that stops the process at a time cap still knows
which stages finished and how long they took:

* ``fast``: parse, reason with ``nkhr.fastreason``, validate with SHACL, write ``dist/``;
* ``fast-novalidate``: the same without SHACL (used to write ``dist/`` when validation is
  skipped or ran over its time cap; the SHACL report written is then empty and says so);
* ``owlrl``: parse and reason with owlrl, the reasoner the build uses today.

The stages are called directly (``loading``, ``fastreason``/``reasoning``, ``validation``,
``dist``), as ``nkhr.build.run_build`` calls them, not through the CLI.
"""

from __future__ import annotations

import dataclasses
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
    from nkhr.build.validate import ValidationReport, validate
    from nkhr.project import Project

    project = Project(root)
    started = time.perf_counter()
    ontology = load_files(project.ontology_files(), project.relative)
    data = load_files(project.data_files(), project.relative)
    shapes = parse_file(project.shapes_file, project.relative(project.shapes_file))
    _emit(stage="parse", seconds=time.perf_counter() - started,
          input_triples=len(ontology.graph) + len(data.graph))

    started = time.perf_counter()
    if mode == "owlrl":
        from nkhr.build.reason import owl_rl_closure
        closure = owl_rl_closure(ontology.graph, data.graph)
        _emit(stage="reason_owlrl", seconds=time.perf_counter() - started, inferred=len(closure.inferred))
        return
    from nkhr.build.fastreason import fast_closure
    closure = fast_closure(ontology.graph, data.graph)
    _emit(stage="reason_fast", seconds=time.perf_counter() - started, inferred=len(closure.inferred))

    extra = {"shapes": shapes} if "shapes" in {f.name for f in dataclasses.fields(BuildResult)} else {}
    result = BuildResult(project, ontology, data, closure, report=None, timings={}, **extra)  # type: ignore[arg-type]
    if mode == "fast":
        started = time.perf_counter()
        result.report = validate(closure.full, shapes, result.files_for)
        _emit(stage="validate", seconds=time.perf_counter() - started, conforms=result.report.conforms,
              violations=len(result.report.violations), warnings=len(result.report.warnings))
    else:
        report = Graph()
        result.report = ValidationReport(conforms=True, problems=[], graph=report)

    from nkhr.build.write import write_dist
    started = time.perf_counter()
    write_dist(result)
    _emit(stage="write", seconds=time.perf_counter() - started, store_seconds=result.timings.get("store"),
          published_triples=sum(len(g) for g in result.graphs.values()),
          nquads_bytes=(project.dist_dir / "dataset.nq").stat().st_size)


if __name__ == "__main__":
    run(sys.argv[1], Path(sys.argv[2]))
