"""The trusted queries behind the pages: the project's prefixes and rows as plain dicts."""

from __future__ import annotations

from ..vocab import PREFIXES

PROLOGUE = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())


def rows(engine, query: str) -> list[dict[str, str]]:
    result = engine.query(PROLOGUE + query)
    return [{v: (t.value if t is not None else None) for v, t in zip(result.variables, row)} for row in result.rows]
