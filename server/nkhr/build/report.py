"""The SHACL report as the build keeps it: each problem with its focus node, path, message and
the data files (and lines) that describe the node, for curators.

Apart from ``validate.py`` (the engines, and the heavy imports they bring), so that a build
process that receives a report from its background child (build/background.py) can read it
without importing the SHACL engine or rdflib's SPARQL parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from rdflib import Graph
from rdflib.term import Node


@dataclass(frozen=True, order=True)
class Problem:
    severity: str          # "Violation", "Warning" or "Info"
    focus: str
    path: str
    message: str
    value: str
    shape: str
    files: tuple[str, ...]
    lines: tuple[str, ...] = ()     # "file:line" of the focus node's description (and of the triple)
    # the focus node and the path's predicate (when the path is one) as the engine gave them:
    # what ``located`` looks up in the sources
    focus_node: Node | None = field(default=None, compare=False, repr=False)
    path_predicate: Node | None = field(default=None, compare=False, repr=False)

    def located(self, files_for: Callable[[Node], Iterable[str]],
                lines_for: Callable[[Node, Node | None], Iterable[str]] | None = None) -> Problem:
        """This problem with the files (and lines) that describe its focus node."""
        if self.focus_node is None:
            return self
        lines = tuple(lines_for(self.focus_node, self.path_predicate)) if lines_for is not None else ()
        return replace(self, files=tuple(files_for(self.focus_node)), lines=lines)

    def render(self) -> str:
        where = ", ".join(self.lines or self.files) or "(no data file mentions it)"
        lines = [f"{self.severity}: {self.focus}", f"  in:      {where}"]
        if self.path:
            lines.append(f"  path:    {self.path}")
        if self.value:
            lines.append(f"  value:   {self.value}")
        lines.append(f"  message: {self.message}")
        return "\n".join(lines)


@dataclass
class ValidationReport:
    conforms: bool
    problems: list[Problem]
    graph: Graph

    def located(self, files_for: Callable[[Node], Iterable[str]],
                lines_for: Callable[[Node, Node | None], Iterable[str]] | None = None) -> ValidationReport:
        """The report with each problem's files and lines: the build's background child validates
        without the sources' indexes, and the build looks its problems up when the report is back."""
        return replace(self, problems=ordered(p.located(files_for, lines_for) for p in self.problems))

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Warning"]

    def render(self) -> str:
        head = ("The data conforms to the shapes" if self.conforms
                else "The data does NOT conform to the shapes")
        head += f": {len(self.violations)} violation(s), {len(self.warnings)} warning(s).\n"
        return head + "".join("\n" + p.render() + "\n" for p in self.problems)


_SEVERITY_RANK = {"Violation": 0, "Warning": 1, "Info": 2}


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, violations first, then in the order of their fields."""
    return sorted(set(problems), key=lambda p: (_SEVERITY_RANK.get(p.severity, 3), p))
