"""Who says what: every figure grouped by what it is about and what it measures, side by side."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..vocab import GRAPH_ASSERTED
from .quantity import quantity_text
from .sparql import rows as _rows

# ---------------------------------------------------------------- claims side by side

CLAIMS = f"""
SELECT ?claim ?label ?about ?aboutLabel ?kind ?kindLabel ?value ?min ?max ?atLeast ?approximate ?unit
       ?certainty ?stated ?point ?start ?end
       (GROUP_CONCAT(DISTINCT ?byLabel; separator="; ") AS ?by)
       (GROUP_CONCAT(DISTINCT ?disputerLabel; separator="; ") AS ?disputedBy)
       (GROUP_CONCAT(DISTINCT ?fromLabel; separator="; ") AS ?derivedFrom)
       (SAMPLE(?section) AS ?aSection) (SAMPLE(?sectionLabel) AS ?aSectionLabel)
WHERE {{
  GRAPH <{GRAPH_ASSERTED}> {{
    ?claim a ?claimType ; rdfs:label ?label ; nkhr:about ?about ; nkhr:quantityKind ?kind ; nkhr:certainty ?c .
    VALUES ?claimType {{ nkhr:Claim nkhr:Rating }}
    OPTIONAL {{ ?claim schema:value ?value }}
    OPTIONAL {{ ?claim schema:minValue ?min }}
    OPTIONAL {{ ?claim schema:maxValue ?max }}
    OPTIONAL {{ ?claim nkhr:atLeast ?atLeast }}
    OPTIONAL {{ ?claim nkhr:approximate ?approximate }}
    OPTIONAL {{ ?claim dcterms:date ?stated }}
    OPTIONAL {{ ?claim nkhr:pointInTime ?point }}
    OPTIONAL {{ ?claim nkhr:periodStart ?start }}
    OPTIONAL {{ ?claim nkhr:periodEnd ?end }}
    OPTIONAL {{ ?claim prov:wasAttributedTo ?who . ?who rdfs:label ?byLabel }}
    OPTIONAL {{ ?claim nkhr:disputedBy ?disputer . ?disputer rdfs:label ?disputerLabel }}
    OPTIONAL {{ ?claim prov:wasDerivedFrom ?from . ?from rdfs:label ?fromLabel }}
    OPTIONAL {{ ?claim nkhr:statedIn ?section . ?section rdfs:label ?sectionLabel }}
  }}
  OPTIONAL {{ ?claim schema:unitCode/rdfs:label ?unit }}
  ?c skos:prefLabel ?certainty .
  ?kind skos:prefLabel ?kindLabel .
  OPTIONAL {{ ?about rdfs:label|skos:prefLabel ?aboutLabel }}
}}
GROUP BY ?claim ?label ?about ?aboutLabel ?kind ?kindLabel ?value ?min ?max ?atLeast ?approximate ?unit
         ?certainty ?stated ?point ?start ?end
ORDER BY ?aboutLabel ?kindLabel ?label"""


@dataclass
class ClaimRow:
    iri: str
    label: str
    quantity: str
    unit: str
    certainty: str
    by: str
    disputed_by: str
    derived_from: str
    stated: str
    describes: str
    section: str
    section_label: str


@dataclass
class ClaimGroup:
    about: str
    about_label: str
    kind: str
    kind_label: str
    claims: list[ClaimRow] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        """True when two claims give different figures in the same unit (km² beside mi² is no dispute)."""
        by_unit: dict[str, set[str]] = {}
        for claim in self.claims:
            by_unit.setdefault(claim.unit, set()).add(claim.quantity)
        return any(len(figures) > 1 for figures in by_unit.values())


def _period(row) -> str:
    if row["point"]:
        return row["point"]
    if row["start"] or row["end"]:
        return f"{row['start'] or '…'}–{row['end'] or '…'}"
    return ""


def claim_groups(engine) -> list[ClaimGroup]:
    """Quantitative claims grouped by what they are about and what they measure, biggest groups first."""
    groups: "OrderedDict[tuple, ClaimGroup]" = OrderedDict()
    for row in _rows(engine, CLAIMS):
        key = (row["about"], row["kind"])
        group = groups.setdefault(key, ClaimGroup(row["about"], row["aboutLabel"] or row["about"],
                                                  row["kind"], row["kindLabel"]))
        unit = row["unit"] or ""
        group.claims.append(ClaimRow(
            iri=row["claim"], label=row["label"],
            quantity=quantity_text(row["value"], row["min"], row["max"], row["atLeast"] == "true",
                                   row["approximate"] == "true", unit),
            unit=unit, certainty=row["certainty"], by=row["by"] or "", disputed_by=row["disputedBy"] or "",
            derived_from=row["derivedFrom"] or "", stated=row["stated"] or "", describes=_period(row),
            section=row["aSection"] or "", section_label=row["aSectionLabel"] or ""))
    return sorted(groups.values(), key=lambda g: (not g.differs, -len(g.claims), g.about_label.lower(), g.kind_label))
