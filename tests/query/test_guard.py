"""The guard reads a query as the engine does, or refuses it.

Probes: every way past the old tokenizer (a codepoint escape in an IRI, ``<`` read as an IRI
where the engine reads "less than"), the structure bounds that keep a store alive, and escapes
of non-ASCII characters, which are read as the engine reads them.

Then a differential fuzz (hypothesis): random queries built from the pieces that matter to a
SPARQL reader (escapes, comments, strings, IRIs holding ``#`` and ``'``, comparisons, nesting),
with a SERVICE call to a loopback listener hidden among them. Each is either refused by the
guard, or the engine itself finds nothing forbidden in it: pyoxigraph, which starts a SERVICE
call as soon as it evaluates a query, never contacts the listener, and rdflib's full parser
(where it can read the query) finds no SERVICE, no foreign FROM and no nesting past the bound.
In CI it runs the short derandomised profile of test_fuzz.py (200 examples); for more:

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/query/test_guard.py -p no:warnings
"""

from __future__ import annotations

import os
import time

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nkhr.query import guard
from nkhr.query.guard import QueryRefused, decode_escapes, inspect
from nkhr.remote.barrier import judge
from nkhr.vocab import GRAPHS
from support import ROOT, Listener

ALLOWED = set(GRAPHS)
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def refused(query: str) -> QueryRefused:
    with pytest.raises(QueryRefused) as error:
        inspect(query, ALLOWED)
    return error.value


# --- probes --------------------------------------------------------------------------------------

def test_an_escape_of_an_ascii_character_is_refused_with_its_line():
    query = "SELECT ?o WHERE {\n BIND(<http://x/\\u0041#> AS ?x) SERVICE <http://127.0.0.1:9/internal> { ?s ?p ?o } }"
    message = str(refused(query))
    assert "\\u0041" in message and "line 2" in message and "Traceback" not in message
    for escape in ("\\u0022", "\\u0027", "\\u003E", "\\u0023", "\\u000A", "\\U0000003c", "\\u005C"):
        refused(f'SELECT * WHERE {{ ?s ?p "a{escape}" }}')


def test_escapes_of_non_ascii_characters_are_read_as_the_engine_reads_them(engine):
    assert decode_escapes('"\\uC870\\uC120" <http://x/\\u00E9> \\U0001F600') == '"조선" <http://x/é> 😀'
    assert inspect('SELECT * WHERE { ?s ?p "\\uC870\\uC120" }', ALLOWED).form == "SELECT"
    for query in ('SELECT ?x WHERE { BIND("\\uC870\\uC120" AS ?x) }', 'SELECT ?x WHERE { BIND("조선" AS ?x) }'):
        assert [r[0].value for r in engine.query(query).rows] == ["조선"]


@pytest.mark.parametrize("escape", ["\\uD800", "\\uDFFF", "\\U00110000", "\\UFFFFFFFF"])
def test_an_escape_that_is_no_character_is_refused(escape):
    assert "not a Unicode character" in str(refused(f'SELECT * WHERE {{ ?s ?p "{escape}" }}'))


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(1<'>') SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } FILTER('x'='x') } #'",
    "SELECT * WHERE { FILTER(?a<#>''' \n 2) SERVICE <http://127.0.0.1:9/> { ?x ?y ?z } FILTER(''') }",
    "SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } ORDER BY ?x (1<'>') } SERVICE <http://e/> {?a ?b ?c} "
    "FILTER('x') } #'",
    "SELECT * WHERE { FILTER(\"a\"@en<'>') SERVICE <http://e/> { ?x ?y ?z } FILTER('x') } #'",
    "SELECT * WHERE { FILTER(<<( ?s ?p ?o )>> <'>') SERVICE <http://e/> { ?x ?y ?z } FILTER('x') } #'",
])
def test_less_than_that_could_open_an_iri_is_refused(query):
    assert "certainty" in str(refused(query))


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?p = <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o > \"1\"^^<http://www.w3.org/2001/XMLSchema#integer>) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?p IN (<http://x/a#b>, <http://x/c#d>)) }",
    "SELECT * WHERE { VALUES (?a ?b) { (<http://x#1> <http://y#2>) (<http://x#3> UNDEF) } }",
    "SELECT (COUNT(DISTINCT <http://x/a#b>) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<?b&&?c>?d) }",
])
def test_iris_the_engine_can_only_read_as_iris_pass(query):
    assert inspect(query, ALLOWED).form == "SELECT"


def test_every_catalog_query_passes_with_room_under_every_bound():
    counts = []

    class Spy(guard._Shape):
        def __init__(self) -> None:
            super().__init__()
            counts.append(self)

    original, guard._Shape = guard._Shape, Spy
    try:
        for path in sorted((ROOT / "queries").glob("*.rq")):
            guard._inspect(path.read_text(encoding="utf-8"), ALLOWED)      # read afresh, not a kept verdict
    finally:
        guard._Shape = original
    assert counts
    assert max(c.group_operators for c in counts) * 4 <= guard.MAX_GROUP_OPERATORS
    assert max(c.operators for c in counts) * 4 <= guard.MAX_OPERATORS
    assert max(c.triple_patterns for c in counts) * 4 <= guard.MAX_TRIPLE_PATTERNS


@pytest.mark.parametrize("query,words", [
    ("SELECT * WHERE { " + " UNION ".join(f"{{ ?s ?p {i} }}" for i in range(2000)) + " }", "UNION"),
    ("SELECT * WHERE { ?s ?p ?o " + " ".join(f"MINUS {{ ?s ?p {i} }}" for i in range(700)) + " }", "MINUS"),
    ("SELECT * WHERE { ?s ?p ?o " + " ".join(f"BIND({i} AS ?v{i})" for i in range(700)) + " }", "BIND"),
    ("SELECT * WHERE { ?s " + "/".join("<http://x/p>" for _ in range(1000)) + " ?o }", "operators"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o = " + " + ".join("1" for _ in range(2000)) + ") }", "operators"),
    ("SELECT * WHERE { " + " ".join(f"?s{i} ?p ?o ." for i in range(2000)) + " }", "triple patterns"),
])
def test_queries_that_crash_a_store_are_refused_by_their_structure(query, words):
    """Each of these, within the length limit, crashed the Oxigraph server 0.5 (stack overflow)."""
    error = refused(query)
    assert error.status == 413 and words in str(error) and len(query) <= guard.MAX_QUERY_LENGTH


def test_the_bounds_allow_queries_of_a_reasonable_size():
    unions = "SELECT * WHERE { " + " UNION ".join(f"{{ ?s ?p {i} }}" for i in range(150)) + " }"
    values = "SELECT * WHERE { VALUES ?x { " + " ".join(f"<http://x/{i}>" for i in range(5000)) + " } }"
    typed = ("SELECT * WHERE { VALUES ?x { "
             + " ".join(f'"{i}"^^<http://www.w3.org/2001/XMLSchema#integer>' for i in range(1000)) + " } }")
    assert inspect(unions, ALLOWED).form == inspect(values, ALLOWED).form == inspect(typed, ALLOWED).form == "SELECT"



def test_a_kept_verdict_is_the_callers_own_copy_and_depends_on_the_graphs():
    graph = sorted(ALLOWED)[0]
    query = f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    first = inspect(query, ALLOWED)
    first.from_graphs.append("https://example.org/not-ours")
    assert inspect(query, ALLOWED).from_graphs == [graph]
    with pytest.raises(QueryRefused):
        inspect(query, ALLOWED - {graph})         # the same text, a dataset without that graph


def test_a_refused_text_is_refused_again_every_time():
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    for _ in range(3):
        assert "SERVICE" in str(refused(query))


# --- the differential fuzz ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def listener():
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="module")
def tiny_store() -> ox.Store:
    store = ox.Store()
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"http://x/s{i}"), ox.NamedNode("http://x/p"), ox.Literal(f"o{i}"),
                          ox.NamedNode(GRAPHS[1])))
    return store


PAYLOAD = " {service} <{target}> {{ ?s ?p ?o }} "
CALL = " SERVICE <{target}> { ?s ?p ?o } "
SERVICE_WORDS = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT"]
TARGETS = ["http://127.0.0.1:{port}/internal", "http://localhost:{port}/x", "http://2130706433:{port}/",
           "http://[::1]:{port}/"]
# Ways to hide the payload from a reader that is not the engine's: (before, after, after the query).
DISGUISES = [("", "", ""),
             ("FILTER(1<'>') ", " FILTER('x'='x')", " #'"),
             ("FILTER(1<'>')\n", "\nFILTER('x')", " #'"),
             ('FILTER("a"@en<\'>\') ', " FILTER('x')", " #'"),
             ("VALUES ?v { 1 } FILTER(?v<'>') ", " FILTER('x')", " #'"),
             ("FILTER(<<( ?s ?p ?o )>> <'>') ", " FILTER('x')", " #'"),
             ("BIND(<http://x/\\u0041#> AS ?x) ", "", ""),
             ("BIND(<http://x/\\U00000041#> AS ?x) ", "", ""),
             ("BIND(<http://x/\\u00E9#> AS ?x) ", "", ""),
             ('?s ?p "a\\u0022" . ', ' ?s ?p "" .', ""),
             ("FILTER(?o<#>\'\'\'\n\"o1\") ", " FILTER(\'\'\'x\'\'\')", ""),
             ("FILTER(?o<#>\n\"o1\") ", "", ""),
             ("# \\u000A", "", ""),
             ("<http://x/s> <http://x/p#> ?o . ", "", "")]
NOISE = ["", "?s ?p ?o . ", "OPTIONAL { ?s ?p ?o } ", "# a comment\n", 'FILTER(?o != "x") ', "?s ?p 'it''s' . ",
         "{ ?s ?p ?o } UNION { ?s ?p ?o } ", "?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o . ",
         'FILTER(?o = "o1"^^<http://www.w3.org/2001/XMLSchema#string>) ', '?s ?p """a"b""" . ']
# Fragments spliced anywhere, to reach what the disguises do not.
FRAGMENTS = ["{", "}", "(", ")", "<", ">", '"', "'", '"""', "\'\'\'", "#", "\\", "\\u0022", "\\u0041", "\\u00E9",
             "\n", "<http://x/#", "<'>", "FILTER(", " . ", "ex:a\\#b ", "@en", "^^", "1<", "?a<"]
NESTING = [("{ ", " }"), ("FILTER(EXISTS { ", " })"), ("OPTIONAL { ", " }"), ("{ SELECT * WHERE { ", " } }")]


@st.composite
def hostile_queries(draw) -> str:
    before, after, trailer = draw(st.sampled_from(DISGUISES))
    payload = PAYLOAD.format(service=draw(st.sampled_from(SERVICE_WORDS)), target=draw(st.sampled_from(TARGETS)))
    noise = "".join(draw(st.lists(st.sampled_from(NOISE), max_size=3)))
    body = noise + before + payload + after
    if draw(st.integers(0, 4)) == 0:
        body = "FROM <" + draw(st.sampled_from(TARGETS)) + "> WHERE { " + body + " }"
    else:
        opening, closing = draw(st.sampled_from(NESTING))
        depth = draw(st.sampled_from([0, 1, 2, 31, 62, 63, 64, 100]))
        body = "WHERE { " + opening * depth + body + closing * depth + " }"
    prefix = draw(st.sampled_from(["", "PREFIX ex: <http://x/#>\n", "PREFIX x: <http://x/\\u0041#>\n"]))
    query = f"{prefix}SELECT * {body}{trailer}"
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(query)))
        query = query[:at] + draw(st.sampled_from(FRAGMENTS)) + query[at:]
    return query


def is_refused(query: str) -> bool:
    try:
        inspect(query, ALLOWED)
    except QueryRefused:
        return True
    return False


def rdflib_tree(query: str):
    """rdflib's parse tree of the query, or None where rdflib cannot read it."""
    from rdflib.plugins.sparql.parser import parseQuery
    try:
        return parseQuery(decode_escapes(query))
    except Exception:  # noqa: BLE001 - any failure to read means no opinion from this reader
        return None


@settings(PROFILE)
@given(template=hostile_queries())
@example(template="SELECT * WHERE { FILTER(1<'>')" + CALL + "FILTER('x'='x') } #'")
@example(template="SELECT ?o WHERE { BIND(<http://x/\\u0041#> AS ?x)" + CALL + "}")
@example(template='SELECT * WHERE { ?s ?p "a\\u0022"' + CALL + '"" }')
def test_what_the_guard_accepts_the_engine_finds_harmless(template, listener, tiny_store):
    query = template.replace("{port}", str(listener.port)).replace("{target}", f"http://127.0.0.1:{listener.port}/")
    query = query.replace("{service}", "SERVICE")
    if is_refused(query):
        return
    before = listener.connections
    try:
        answer = tiny_store.query(query, use_default_graph_as_union=True)
        if isinstance(answer, ox.QuerySolutions):
            list(answer)
        elif not isinstance(answer, ox.QueryBoolean):
            list(answer)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline and listener.connections == before:
        time.sleep(0.02)
    assert listener.connections == before, f"the engine made a SERVICE call the guard let through: {query!r}"
    tree = rdflib_tree(query)
    if tree is not None:
        assert judge(tree, ALLOWED) == ("ok", ""), query
