"""The trusted queries behind the pages: run with the project's prefixes, rows as plain dicts."""

from __future__ import annotations

from ..query.engine import QueryEngine
from ..vocab import PREFIXES


def rows(engine: QueryEngine, query: str) -> list[dict[str, str | None]]:
    """A SELECT's rows as {variable: lexical value or None}, the project's prefixes declared."""
    result = engine.query(query, prefixes=PREFIXES)
    return [{v: (t.value if t is not None else None) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]
