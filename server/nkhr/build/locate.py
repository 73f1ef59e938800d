"""Where in a curated Turtle file a node is described, and where one of its triples is written.

Parsers (Oxigraph's, rdflib's) do not say at which line a triple was read, so SHACL problems
could only name the file. The curated files follow one layout (docs/MODELLING.md): a node's
description starts at the beginning of a line with its name, and each further predicate
starts a line of its own or follows a ";" on the same line. This module reads that layout:
it finds the line where each subject's block starts and the line of each (subject, predicate)
pair in it. A file written otherwise loses only the line numbers, never a fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_NAME = r"(?:<[^>\s]*>|[A-Za-z][\w.-]*?:[^\s;,.<>\"()\[\]]*(?:\.[^\s;,<>\"()\[\]]+)*|\ba\b)"
_SUBJECT = re.compile(rf"^({_NAME})(?:\s+({_NAME}))?(?=\s|$)")
_PREDICATE = re.compile(rf"^\s+({_NAME})\s")
_AFTER_SEMICOLON = re.compile(rf";\s*({_NAME})\s")


@dataclass
class SourceLines:
    """Lines of one file: where each subject's description starts, and each of its predicates."""

    subjects: dict[str, int] = field(default_factory=dict)
    triples: dict[tuple[str, str], int] = field(default_factory=dict)

    def of_node(self, iri: str) -> int | None:
        return self.subjects.get(iri)

    def of_triple(self, subject: str, predicate: str) -> int | None:
        return self.triples.get((subject, predicate))


def index_lines(text: str, prefixes: dict[str, str]) -> SourceLines:
    """Index ``text`` (Turtle in the project's layout) with the ``prefixes`` it declares."""

    def expand(name: str) -> str | None:
        if name == "a":
            return RDF_TYPE
        if name.startswith("<"):
            return name[1:-1]
        prefix, _, local = name.partition(":")
        namespace = prefixes.get(prefix)
        return namespace + local.replace("\\", "") if namespace is not None else None

    lines = SourceLines()
    subject: str | None = None
    in_string = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:                                   # inside a """long string""": skip to its end
            if '"""' not in line:
                continue
            line, in_string = " " + line.split('"""', 1)[1], False
        if line.count('"""') % 2:                       # a long string opens here: read what is before it
            line, in_string = line.split('"""', 1)[0], True
        if not line.strip() or line.lstrip().startswith(("#", "@prefix", "@base", "PREFIX")):
            continue
        code = re.sub(r'"""(?:.*?)"""|"(?:[^"\\]|\\.)*"', '""', line)      # strings can hold ";" and names
        start = _SUBJECT.match(code)
        if start:
            subject = expand(start.group(1))
            if subject is None:
                continue
            lines.subjects.setdefault(subject, number)
            predicates = [start.group(2)] if start.group(2) else []
        else:
            found = _PREDICATE.match(code)
            predicates = [found.group(1)] if found else []
        if subject is None:
            continue
        predicates += _AFTER_SEMICOLON.findall(code)
        for name in predicates:
            predicate = expand(name)
            if predicate is not None:
                lines.triples.setdefault((subject, predicate), number)
        if code.rstrip().endswith("."):
            subject = None
    return lines
