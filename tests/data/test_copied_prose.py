"""No label, comment or description repeats 10 or more consecutive words of the article.

Names and titles are facts and stay exact; the few that are 10 words or longer are in
``ALLOWED`` (reviewed: each is a name or a title, not prose). Words are compared lower-cased,
punctuation removed, so a copied sentence with a changed comma is still found.
"""

from __future__ import annotations

import re

import pytest
from test_completeness import SEED

from support import select

RUN = 10
WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Names and titles of 10+ words, exactly as published (reviewed).
# Each is cut out of a text before it is compared, so prose around a name is still checked.
ALLOWED = [
    "united nations commission of inquiry on human rights in the democratic people's republic of korea",
    "commission of inquiry on human rights in the democratic people's republic of korea",
    "office of the united nations high commissioner for human rights",
    "international coalition to stop crimes against humanity in north korea",
    "hunger and human rights the politics of famine in north korea",
    "eyes of the tailless animals prison memoirs of a north korean woman",
    "list of fact finding reports on human rights in north korea",
    "international covenant on economic social and cultural rights",
    "dprk association for human rights studies",
    "korean federation for the protection of disabled people",
    "committee for human rights in north korea",
]


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("’", "'"))


def runs(text: str, allowed: list[str] = ()) -> set[tuple[str, ...]]:
    """Every run of RUN words of ``text``, with the allowed names and titles cut out first."""
    joined = " ".join(words(text))
    for name in sorted(allowed, key=len, reverse=True):
        joined = joined.replace(name, "|")
    found = set()
    for piece in joined.split("|"):
        w = piece.split()
        found.update(tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1))
    return found


@pytest.mark.skipif(not SEED.exists(), reason=f"the article's text is not at {SEED}")
def test_no_prose_copied_from_the_article(engine):
    article = runs(SEED.read_text(encoding="utf-8"))
    rows = select(engine, """SELECT ?node ?p ?text WHERE { GRAPH <https://w3id.org/nkhr/graph/asserted> {
        VALUES ?p { rdfs:label rdfs:comment dcterms:description skos:definition }
        ?node ?p ?text } }""")
    copied = []
    for row in rows:
        shared = runs(row["text"], ALLOWED) & article
        if shared:
            copied.append(f"{row['node']} {row['p'].rsplit('#', 1)[-1]}: \"{' '.join(sorted(shared)[0])}\"")
    assert copied == [], "labels or comments that repeat 10+ words of the article:\n" + "\n".join(sorted(copied))
