"""A question's page shows the answer a query process wrote, read back into terms (web/questions.py).

The page once took its rows straight from the web worker's engine; it now gets them, like every
answer, from a killable query process with the time limit, in SPARQL JSON or N-Triples. Reading
them back must give the page the same terms, in the same order, for every catalog question.
"""

from __future__ import annotations

import pyoxigraph as ox

from nkhr.query.sandbox import answer
from nkhr.web.questions import ANSWER_ROWS, query_result


def comparable(term):
    """A term as the page shows it; blank nodes only as blank (a writer may relabel them)."""
    if isinstance(term, ox.BlankNode):
        return "_:"
    if isinstance(term, ox.Triple):
        return tuple(comparable(t) for t in (term.subject, term.predicate, term.object))
    return term


def test_every_question_reads_back_the_terms_the_engine_gave(engine, catalog):
    kinds = set()
    for name, named in catalog.items():
        direct = engine.query(named.text, max_rows=ANSWER_ROWS)
        shown = query_result(answer(engine, named.text, None, None, "json", "nt", ANSWER_ROWS))
        kinds.add(direct.kind)
        assert (shown.kind, shown.boolean, shown.truncated) == (direct.kind, direct.boolean, direct.truncated), name
        assert shown.variables == direct.variables, name
        assert [[comparable(t) for t in row] for row in shown.rows] == \
               [[comparable(t) for t in row] for row in direct.rows], name
        assert sorted(map(comparable, shown.triples), key=str) == sorted(map(comparable, direct.triples), key=str)
    assert kinds == {"select"}, kinds          # the catalog asks no ASK or CONSTRUCT: the next test does


def test_a_long_answer_is_cut_for_the_page_and_says_so_and_yes_no_answers_read_back(engine):
    shown = query_result(answer(engine, "SELECT ?s WHERE { ?s ?p ?o }", None, None, "json", "nt", ANSWER_ROWS))
    assert len(shown.rows) == ANSWER_ROWS and shown.truncated
    graph = query_result(answer(engine, "CONSTRUCT WHERE { ?s a ?o }", None, None, "json", "nt", 5))
    assert graph.kind == "graph" and len(graph.triples) == 5 and graph.truncated
    assert all(isinstance(t, ox.Triple) for t in graph.triples)
    for ask, expected in (("ASK { ?s a ?o }", True), ('ASK { ?s ?p "no such value, surely" }', False)):
        shown = query_result(answer(engine, ask, None, None, "json", "nt", ANSWER_ROWS))
        assert (shown.kind, shown.boolean) == ("ask", expected)
