"""The timeline page's data: every dated event, document and claim, in order.

A vaguely dated item ("the 1950s", "from 1955 to the early 1980s", "after 2000") is placed at
its interval, nkhr:notBefore to nkhr:notAfter, and shown in the article's own words
(nkhr:timeAsStated); an open end stays open.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..query.engine import QueryEngine
from ..vocab import GRAPH_ASSERTED
from .sparql import rows as _rows

# ?prop says which date it is; ?top the broad kind (claims, documents, events...), from the
# inferred types too. A claim is placed at the time its figure describes (nkhr:pointInTime,
# nkhr:periodStart) and again at the date it was stated (dcterms:date), each row saying which.
TIMELINE = f"""
SELECT ?item ?label ?date ?end ?asStated ?prop ?top ?kind ?section ?sectionLabel WHERE {{
  GRAPH <{GRAPH_ASSERTED}> {{
    {{ ?item dcterms:date ?date FILTER NOT EXISTS {{ ?item nkhr:notBefore ?bound }} BIND("date" AS ?prop) }}
    UNION {{ ?item dcterms:issued ?date FILTER NOT EXISTS {{ ?item nkhr:notBefore ?bound }} BIND("issued" AS ?prop) }}
    UNION {{ ?item nkhr:notBefore ?date BIND("vague" AS ?prop) }}
    UNION {{ ?item nkhr:notAfter ?latest FILTER NOT EXISTS {{ ?item nkhr:notBefore|dcterms:date|dcterms:issued ?d }}
            BIND(CONCAT("before ", STR(?latest)) AS ?date) BIND("vague" AS ?prop) }}
    UNION {{ ?item nkhr:pointInTime ?date BIND("describes" AS ?prop) }}
    UNION {{ ?item nkhr:periodStart ?date BIND("describes" AS ?prop)
            OPTIONAL {{ ?item nkhr:periodEnd ?periodEnd }} }}
    ?item rdfs:label ?label ; a ?type .
    OPTIONAL {{ ?item schema:endDate|nkhr:notAfter ?otherEnd FILTER(?prop != "describes") }}
    BIND(COALESCE(?periodEnd, ?otherEnd) AS ?end)
    OPTIONAL {{ ?item nkhr:timeAsStated ?asStated }}
    OPTIONAL {{ ?item nkhr:statedIn ?section . ?section rdfs:label ?sectionLabel }}
  }}
  FILTER(STRSTARTS(STR(?type), STR(nkhr:)))
  FILTER(?type NOT IN (nkhr:Section, nkhr:EncyclopediaArticle))
  OPTIONAL {{ ?type rdfs:label ?kind }}
  OPTIONAL {{ ?item a ?top VALUES ?top {{ nkhr:Claim nkhr:Rating nkhr:Document nkhr:Event nkhr:Practice }} }}
}} ORDER BY STR(?date) ?label"""

# What each row's date is, said for people.
ROLES = {
    "happened": "when it happened",
    "published": "when it was published",
    "stated": "when it was stated",
    "describes": "the time the figure describes",
    "vague": "when it happened (as the article words it)",
}
TOPS = {"Claim": "claim", "Rating": "claim", "Document": "document", "Event": "event", "Practice": "practice"}


def _role(prop: str, top: str) -> str:
    if prop == "describes":
        return "describes"
    if prop == "vague":
        return "vague"
    if top == "claim":
        return "stated"
    if top == "document" or prop == "issued":
        return "published"
    return "happened"


def year_of(date: str | None) -> int | None:
    """The year a timeline date falls in ("2013-05-06", "1987", "before 2000"), or None."""
    import re
    match = re.search(r"-?\d{4}", date or "")
    return int(match.group()) if match else None


@dataclass
class TimelineEntry:
    date: str
    end: str | None
    iri: str
    label: str
    as_stated: str | None = None      # the article's wording of a vague time ("the early 1980s")
    role: str = "happened"            # which date this is: a key of ROLES
    top: str = "other"                # claim, document, event, practice or other
    kinds: list[str] = field(default_factory=list)
    sections: OrderedDict[str, str] = field(default_factory=OrderedDict)


def timeline(engine: QueryEngine) -> list[TimelineEntry]:
    entries: OrderedDict[tuple[str, str, str], TimelineEntry] = OrderedDict()
    for row in _rows(engine, TIMELINE):
        top = TOPS.get((row["top"] or "").rsplit("#", 1)[-1], "other")
        role = _role(row["prop"] or "", top)
        key = (row["date"] or "", row["item"] or "", role)
        entry = entries.setdefault(key, TimelineEntry(key[0], row["end"], key[1], row["label"] or key[1],
                                                      row["asStated"], role, top))
        if top != "other" and entry.top == "other":
            entry.top = top
        if row["kind"] and row["kind"] not in entry.kinds:
            entry.kinds.append(row["kind"])
        if row["section"]:
            entry.sections[row["section"]] = row["sectionLabel"] or row["section"]
    return list(entries.values())


@dataclass
class TimelineFilter:
    """What the reader narrowed the timeline to; every field is a query parameter of the page."""
    kind: str = ""          # claim, document, event, practice or other
    section: str = ""
    start: int | None = None
    end: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TimelineFilter:
        def year(name: str) -> int | None:
            text = (args.get(name) or "").strip()
            return int(text) if text.lstrip("-").isdigit() else None
        return cls(kind=args.get("kind", ""), section=args.get("section", ""), start=year("from"), end=year("to"))

    @property
    def active(self) -> bool:
        return bool(self.kind or self.section or self.start is not None or self.end is not None)

    def keeps(self, entry: TimelineEntry) -> bool:
        if self.kind and entry.top != self.kind:
            return False
        if self.section and self.section not in entry.sections:
            return False
        first, last = year_of(entry.date), year_of(entry.end) or year_of(entry.date)
        if self.start is not None and (last is None or last < self.start):
            return False
        return not (self.end is not None and (first is None or first > self.end))


def axis(entries: list[TimelineEntry]) -> tuple[int, int, list[int]]:
    """The years the axis spans (whole decades) and its ticks."""
    years = [y for e in entries for y in (year_of(e.date), year_of(e.end)) if y is not None]
    if not years:
        return 0, 1, []
    low, high = min(years) // 10 * 10, (max(years) // 10 + 1) * 10
    step = 10 if high - low <= 100 else 20
    return low, high, list(range(low, high + 1, step))
