"""The build's query stage: the catalog is built like the data, and quality checks run on every build.

The named queries in ``queries/*.rq`` are part of what a build publishes: each must parse and run
on the new dataset, or the build fails naming the file, the line and the column, and ``dist/``
stays as it was. They are then copied into the build folder (``queries/``, digested in
build.json like every artifact), and the server reads its catalog from there only, so the
catalog it serves is always the one that was run against the data it serves.

``queries/checks/*.rq`` are quality-control queries in the habit of the OBO Ontology Development
Kit: each is a SELECT that must return no rows, with a header saying what it guards (``# title``,
``# description``). A build in which one returns rows fails and lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..built import CATALOG_DIR
from ..project import Project
from ..query.catalog import CatalogError, NamedQuery, read_query

CHECKS_DIR = "checks"
SHOWN_ROWS = 20          # rows of a failing check listed in the error; the count says how many there were
_POSITION = re.compile(r"error at (\d+):(\d+): ")


class QueryFileError(Exception):
    """A catalog or check query does not parse or fails to run; the message names file, line and column."""


class CheckFailed(Exception):
    """Quality-control queries found rows; ``failures`` holds each check with the rows it found."""

    def __init__(self, failures: list[CheckResult]):
        self.failures = failures
        super().__init__("\n".join(f.render() for f in failures))

    def __reduce__(self) -> tuple[type[CheckFailed], tuple[list[CheckResult]]]:
        """Pickled with its failures (the build runs the checks in a child process)."""
        return CheckFailed, (self.failures,)


@dataclass
class CheckResult:
    query: NamedQuery
    shown_as: str
    variables: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"{self.shown_as}: the check \"{self.query.title}\" found {len(self.rows)} row(s) "
                 f"where it wants none ({self.query.description})"]
        lines.append("    " + " | ".join(self.variables))
        lines += ["    " + " | ".join(row) for row in self.rows[:SHOWN_ROWS]]
        if len(self.rows) > SHOWN_ROWS:
            lines.append(f"    ... and {len(self.rows) - SHOWN_ROWS} more")
        return "\n".join(lines)


def catalog_files(project: Project) -> list[Path]:
    return sorted(project.queries_dir.glob("*.rq"))


def check_files(project: Project) -> list[Path]:
    return sorted((project.queries_dir / CHECKS_DIR).glob("*.rq"))


def _read(project: Project, path: Path) -> NamedQuery:
    try:
        return read_query(path)
    except CatalogError as exc:
        raise QueryFileError(str(exc).replace(str(path), project.relative(path), 1)) from None


def _run(store: ox.Store, named: NamedQuery, shown_as: str,
         default_graphs: list[str]) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run ``named`` on the dataset the endpoint serves with no dataset given: the default graph is
    the union of ``default_graphs`` (not the section graphs, which repeat asserted triples), and
    ``GRAPH ?g`` sees every named graph."""
    try:
        return store.query(named.text, default_graph=[ox.NamedNode(g) for g in default_graphs])
    except SyntaxError as exc:
        message = str(exc)
        match = _POSITION.match(message)
        if match:
            line, column = match.groups()
            reason = message[match.end():].split("\n")[0]
            if "Prefix not found" in reason:
                prefix = _prefix_at(named.text, int(line), int(column))
                reason = f"the prefix {prefix}: is not declared (add a PREFIX line)" if prefix else \
                    "a prefix is not declared (add a PREFIX line)"
            raise QueryFileError(f"{shown_as}:{line}:{column}: the query does not parse: {reason}") from None
        raise QueryFileError(f"{shown_as}: the query does not parse: {message}") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryFileError(f"{shown_as}: the query fails on the new dataset: {exc}") from None


def _prefix_at(text: str, line: int, column: int) -> str | None:
    """The prefix of the prefixed name that ends where the parser stopped."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    before = lines[line - 1][: max(column - 1, 0)]
    match = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", before)
    return match.group(1) if match and match.group(1) else None


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if term is None:
        return ""
    return str(term) if isinstance(term, ox.Triple) else term.value


def run_catalog(project: Project, store: ox.Store, default_graphs: list[str]) -> dict[str, bytes]:
    """Run every catalog query (reading every answer to the end) and return the files to publish."""
    files = {}
    for path in catalog_files(project):
        shown_as = project.relative(path)
        named = _read(project, path)
        answer = _run(store, named, shown_as, default_graphs)
        if isinstance(answer, ox.QuerySolutions | ox.QueryTriples):
            try:
                for _ in answer:
                    pass
            except (OSError, RuntimeError, ValueError) as exc:
                raise QueryFileError(f"{shown_as}: the query fails on the new dataset: {exc}") from None
        files[f"{CATALOG_DIR}/{path.name}"] = path.read_bytes()
    return files


def run_checks(project: Project, store: ox.Store, default_graphs: list[str]) -> list[CheckResult]:
    """Run every quality-control query; raise CheckFailed when any returns rows."""
    results = []
    for path in check_files(project):
        shown_as = project.relative(path)
        named = _read(project, path)
        answer = _run(store, named, shown_as, default_graphs)
        if not isinstance(answer, ox.QuerySolutions):
            raise QueryFileError(f"{shown_as}: a check must be a SELECT query (it returns the rows that are wrong)")
        variables = [v.value for v in answer.variables]
        rows = [[_text(solution[v]) for v in variables] for solution in answer]
        results.append(CheckResult(named, shown_as, variables, sorted(rows)))
    failures = [r for r in results if r.rows]
    if failures:
        raise CheckFailed(failures)
    return results


def run_queries(project: Project, store: ox.Store, default_graphs: list[str]) -> dict[str, bytes]:
    """The build's query stage: run the catalog and the checks on ``store`` (every published named
    graph) as the endpoint would, and return the catalog files to publish."""
    catalog = run_catalog(project, store, default_graphs)
    run_checks(project, store, default_graphs)
    return catalog
