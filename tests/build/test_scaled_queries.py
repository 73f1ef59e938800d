"""The catalog queries rewritten to scale answer exactly what they answered before, on the article.

tests/fixtures/queries-before/ keeps each query as it was; each rewrite says in its header
(``# cost:``) what makes it cheap (docs/MODELLING.md, "Named queries", says what is expensive).
Their speed at a million triples is measured by ``bench/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nkhr.query.catalog import read_query

BEFORE = Path(__file__).resolve().parents[1] / "fixtures" / "queries-before"
# Every query kept as it was is compared with its rewrite.
REWRITTEN = sorted(path.stem for path in BEFORE.glob("*.rq"))
# Rewrites that add a last ORDER BY key (?claim) to break ties the old query left to the engine: the
# same rows, in an order the old text did not fix, so they are compared as multisets.
TIES_BROKEN = {"liberties-figures"}


def rows(engine, text: str) -> list[tuple]:
    result = engine.query(text)
    return [tuple(None if term is None else str(term) for term in row) for row in result.rows]


@pytest.mark.parametrize("name", REWRITTEN)
def test_a_rewritten_query_answers_what_it_answered_before(engine, project, name):
    query = read_query(project.queries_dir / f"{name}.rq")
    assert query.meta.get("cost"), "the header says what makes it cheap"
    before = rows(engine, (BEFORE / f"{name}.rq").read_text(encoding="utf-8"))
    assert before, "the article has answers to compare"
    after = rows(engine, query.text)
    if name in TIES_BROKEN:
        assert sorted(after, key=repr) == sorted(before, key=repr)
    else:
        assert after == before
