"""Every number and date the article gives is in the graph, on a node stated in the same section.

The test reads the article's text (../shared/seed), splits it at its headings, pulls every
number out of each section (counts, percentages, years, days of dates) and looks for it among
the literals of the nodes that name that section. What is deliberately not a literal is listed
in ``NOT_ENCODED`` with the reason, so that a number dropped by a later edit fails loudly.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from support import select

# The article's text sits beside the checkout (../shared/seed/), as on every developer's machine
# and in CI; NKHR_SEED points elsewhere.
SEED = Path(os.environ.get("NKHR_SEED") or
            Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_64eabbd80bb864e3.txt")
HEADING = re.compile(r"^(={2,4})([^=].*?)=+\s*$", re.M)
NUMBER = re.compile(r"(?<![\w/])(\d{1,3}(?:,\d{3})+|\d+(?:[.,]\d+)?)(?![\w/])")
MONTHS = {m: i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July", "August",
                                       "September", "October", "November", "December"], start=1)}

# (section anchor, number as written) -> why it is not a literal of that section's nodes
NOT_ENCODED = {
    ("International_abductions", "53"): "the '53' of '1950–53': the Korean War's end, 1953 (kg:korean-war)",
    ("Disability_rights", "2"): "the number of the CRC article, encoded as kg:crc-article-2 (a provision node)",
    ("Re-education_camps", "300"): "the size column of this copy of the table is truncated ('300 x'): not encoded",
    ("Re-education_camps", "150"): "the size column of this copy of the table is truncated ('150 x'): not encoded",
}


def sections() -> dict[str, str]:
    if not SEED.exists():
        return {}
    text = SEED.read_text(encoding="utf-8")
    marks = [(m.start(), m.end(), m.group(2).strip().replace(" ", "_")) for m in HEADING.finditer(text)]
    out = {"top": text[text.index("\n"):marks[0][0]]}
    for i, (_, end, anchor) in enumerate(marks):
        out[anchor] = text[end:marks[i + 1][0] if i + 1 < len(marks) else len(text)]
    return out


def numbers_in(text: str) -> set[str]:
    text = re.sub(r"\^\{\d+\}", "", text)             # km^{2}: an exponent, not a number
    found = set()
    for match in NUMBER.finditer(text):
        token = match.group(1)
        if text[match.end():match.end() + 8] == " million":          # "1.5 million" is 1500000
            found.add(str((Decimal(token.replace(",", "")) * 1_000_000).normalize().to_integral_value()))
            continue
        if re.fullmatch(r"\d+,\d{1,2}", token):        # "0,25" in the table is a decimal comma
            token = token.replace(",", ".")
        found.add(token.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", token) else token)
    return found


def literal_numbers(engine, anchor: str) -> set[Decimal]:
    """Every number in a typed literal (a count, a value, a date) of a node the section states or mentions
    (nkhr:statedIn is a sub-property of nkhr:mentionedIn; the inferred graph holds both).

    Text (labels, comments, titles) does not count: a number that is only written in a label
    is not a fact anyone can query."""
    rows = select(engine, f"""
        SELECT DISTINCT ?o WHERE {{
          ?node nkhr:mentionedIn <https://w3id.org/nkhr/id/section/{quote(anchor, safe="_-.()")}> ; ?p ?o .
          FILTER(isLiteral(?o) && DATATYPE(?o) NOT IN (xsd:string, rdf:langString))
        }}""")
    values: set[Decimal] = set()
    for row in rows:
        text = row["o"]
        for piece in re.findall(r"\d+(?:\.\d+)?", text.replace(",", "")):
            values.add(Decimal(piece).normalize())
    return values


SECTIONS = sections()
pytestmark = pytest.mark.skipif(not SECTIONS, reason=f"the article's text is not at {SEED} (set NKHR_SEED)")


def test_the_seed_has_every_section():
    assert len(SECTIONS) == 29 and "Re-education_camps" in SECTIONS


@pytest.mark.parametrize("anchor", sorted(SECTIONS))
def test_every_number_of_the_section_is_in_the_graph(engine, anchor):
    if anchor == "See_also":
        pytest.skip("See also lists article titles, no numbers")
    present = literal_numbers(engine, anchor)
    wanted = {n for n in numbers_in(SECTIONS[anchor]) if (anchor, n) not in NOT_ENCODED}
    missing = sorted(n for n in wanted if Decimal(n).normalize() not in present)
    assert missing == [], f"numbers of section {anchor} not found in its nodes' literals"


def test_the_exceptions_still_exist_in_the_text():
    """An exception whose number the article no longer has is stale and must go."""
    for anchor, number in NOT_ENCODED:
        assert number in numbers_in(SECTIONS[anchor]), (anchor, number)
