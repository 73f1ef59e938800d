"""Helpers shared by the test modules: running ad-hoc SPARQL and reading rows as plain strings."""

from __future__ import annotations

from nkhr.namespaces import PREFIXES
from nkhr.results import term_text

PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())


def rows(result) -> list[dict[str, str]]:
    """A SELECT result as dicts of strings (IRIs, lexical forms); unbound variables are left out."""
    return [{v: term_text(t) for v, t in zip(result.variables, row) if t is not None} for row in result.rows]


def select(engine, sparql: str) -> list[dict[str, str]]:
    """Run SPARQL with the project's prefixes declared (a query may redeclare them)."""
    return rows(engine.query(PROLOGUE + sparql))
