"""Reading SHACL shapes for people: a property path written as text.

Both the build's report (which names the path of each problem) and the ontology page (which
lists each class's rules) write paths the same way, so the function lives below both.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .vocab import short


def path_text(report: Graph, path: Node | None) -> str:
    """A SHACL path as curators write it: ``a``, ``^a`` (inverse), ``a / b`` (sequence), ``a | b``."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return short(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(report, inverse)
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return " | ".join(path_text(report, p) for p in Collection(report, alternatives))
    if report.value(path, RDF.first) is not None:
        return " / ".join(path_text(report, p) for p in Collection(report, path))
    return "(complex path)"
