"""Parsing the curated Turtle files, with errors that name the file and the line.

Each file is parsed on its own so that a SHACL result can later be traced back to the file
that describes its focus node, and so that a syntax error points at one file, not at "the data".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal
from rdflib.plugins.parsers.notation3 import BadSyntax


class SourceError(Exception):
    """A source file cannot be read as RDF. ``str()`` gives ``path:line: message``."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass
class LoadedFiles:
    """The union of some Turtle files, and which files mention each node."""

    graph: Graph
    files: list[str] = field(default_factory=list)
    mentions: dict = field(default_factory=dict)  # node -> set of relative paths

    def files_for(self, node) -> list[str]:
        return sorted(self.mentions.get(node, ()))


def _syntax_error(path: str, exc: Exception, source: str = "") -> SourceError:
    if isinstance(exc, BadSyntax):
        why = exc._why  # noqa: SLF001 - rdflib keeps the reason and line only in these fields
        return SourceError(path, exc.lines + 1, f"Turtle syntax error: {why}")
    text = str(exc)
    match = re.search(r"line (\d+)", text)
    if match:
        return SourceError(path, int(match.group(1)), f"cannot parse: {text}")
    # rdflib sometimes fails inside itself (an AttributeError or IndexError on a stray "?" or
    # NUL) without saying where; pyoxigraph's strict Turtle parser names the line.
    located = _locate_with_pyoxigraph(source)
    if located:
        return SourceError(path, located[0], f"Turtle syntax error: {located[1]}")
    return SourceError(path, None, f"cannot parse: {text}")


def _locate_with_pyoxigraph(source: str) -> tuple[int, str] | None:
    import pyoxigraph as ox
    try:
        for _ in ox.parse(source.encode("utf-8", "surrogatepass"), format=ox.RdfFormat.TURTLE,
                          base_iri="file:///source.ttl"):
            pass
    except SyntaxError as exc:
        if exc.lineno:
            return exc.lineno, str(exc.msg if hasattr(exc, "msg") else exc)
    return None


def parse_file(path: Path, shown_as: str) -> Graph:
    """Parse one Turtle file, raising SourceError with its line on bad syntax or bad encoding."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise SourceError(shown_as, line, "not valid UTF-8 text") from exc
    graph = Graph()
    # rdflib logs a traceback for every ill-typed literal; we report those ourselves below.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises several unrelated types for bad input
        raise _syntax_error(shown_as, exc, text) from exc
    for s, p, o in graph:
        if isinstance(o, Literal) and o.ill_typed:
            line = _line_of(text, str(o))
            raise SourceError(shown_as, line, f"the value {o.n3()} is not a valid {o.datatype}")
    return graph


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def load_files(paths: list[Path], relative) -> LoadedFiles:
    """Parse and merge files; ``relative`` turns a path into the name shown to curators."""
    loaded = LoadedFiles(graph=Graph())
    for path in paths:
        name = relative(path)
        graph = parse_file(path, name)
        loaded.files.append(name)
        for s, p, o in graph:
            loaded.graph.add((s, p, o))
            for node in (s, o):
                if not isinstance(node, (Literal, BNode)):
                    loaded.mentions.setdefault(node, set()).add(name)
    return loaded
