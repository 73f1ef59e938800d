"""The timeline page's data: every dated event, document and claim, in order."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..vocab import GRAPH_ASSERTED
from .sparql import rows as _rows

TIMELINE = f"""
SELECT ?item ?label ?date ?end ?kind ?section ?sectionLabel WHERE {{
  GRAPH <{GRAPH_ASSERTED}> {{
    {{ ?item dcterms:date ?date }} UNION {{ ?item dcterms:issued ?date }}
    ?item rdfs:label ?label ; a ?type .
    OPTIONAL {{ ?item schema:endDate ?end }}
    OPTIONAL {{ ?item nkhr:statedIn ?section . ?section rdfs:label ?sectionLabel }}
  }}
  FILTER(STRSTARTS(STR(?type), STR(nkhr:)))
  FILTER(?type NOT IN (nkhr:Section, nkhr:EncyclopediaArticle))
  OPTIONAL {{ ?type rdfs:label ?kind }}
}} ORDER BY STR(?date) ?label"""


@dataclass
class TimelineEntry:
    date: str
    end: str | None
    iri: str
    label: str
    kinds: list[str] = field(default_factory=list)
    sections: "OrderedDict[str, str]" = field(default_factory=OrderedDict)


def timeline(engine) -> list[TimelineEntry]:
    entries: "OrderedDict[tuple, TimelineEntry]" = OrderedDict()
    for row in _rows(engine, TIMELINE):
        key = (row["date"], row["item"])
        entry = entries.setdefault(key, TimelineEntry(row["date"], row["end"], row["item"], row["label"]))
        if row["kind"] and row["kind"] not in entry.kinds:
            entry.kinds.append(row["kind"])
        if row["section"]:
            entry.sections[row["section"]] = row["sectionLabel"] or row["section"]
    return list(entries.values())
