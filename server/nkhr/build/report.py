"""The SHACL report as the build keeps it: each problem with its focus node, path, message and
the data files (and lines) that describe the node, for curators.

Apart from ``validate.py`` (the engines, and the heavy imports they bring), so that a build
process that receives a report from its background child (build/background.py) can read it
without importing the SHACL engine or rdflib's SPARQL parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph


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
