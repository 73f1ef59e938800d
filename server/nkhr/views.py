"""The data behind the human pages: the timeline, the claims side by side, the ontology docs.

Each function runs SPARQL on the built dataset (the app's own trusted engine) and returns plain
Python values for a template. Formatting a claim's quantity the way the source words it
("80,000–120,000", "3,000+", "c. 2,500") lives here too, so every page says it the same way.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .namespaces import GRAPH_ASSERTED, PREFIXES

PROLOGUE = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())


def _rows(engine, query: str) -> list[dict[str, str]]:
    result = engine.query(PROLOGUE + query)
    return [{v: (t.value if t is not None else None) for v, t in zip(result.variables, row)} for row in result.rows]


def _number(text: str | None) -> str:
    if text is None:
        return ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def quantity_text(value=None, minimum=None, maximum=None, at_least=False, approximate=False, unit="") -> str:
    """A claim's quantity as a person would write it."""
    if value is not None:
        text = _number(value)
    elif minimum is not None and maximum is not None:
        text = f"{_number(minimum)}–{_number(maximum)}"
    elif minimum is not None:
        text = f"{_number(minimum)} or more"
    elif maximum is not None:
        text = f"up to {_number(maximum)}"
    else:
        return ""
    if at_least:
        text = f"at least {text}"
    if approximate:
        text = f"about {text}"
    if unit and unit not in ("number",):
        text = f"{text} {unit}" if unit not in ("%",) else f"{text}%"
    return text


# ---------------------------------------------------------------- timeline

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


# ---------------------------------------------------------------- ontology documentation

def ontology_docs(engine, shapes_graph) -> dict:
    """Classes (with their place in the hierarchy and the shapes' constraints) and properties."""
    from .ontology_docs import ontology_overview
    overview = ontology_overview(engine)
    constraints = class_constraints(shapes_graph) if shapes_graph is not None else {}
    overview["constraints"] = constraints
    return overview


def class_constraints(shapes) -> dict[str, list[dict]]:
    """For each target class, the property constraints of its shapes, readable."""
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    from .validation import path_text, short

    out: dict[str, list[dict]] = {}
    for shape, target in shapes.subject_objects(SH.targetClass):
        rows = out.setdefault(str(target), [])
        for prop in shapes.objects(shape, SH.property):
            rule = []
            for name, predicate in (("at least", SH.minCount), ("at most", SH.maxCount)):
                value = shapes.value(prop, predicate)
                if value is not None:
                    rule.append(f"{name} {value}")
            for name, predicate in (("datatype", SH.datatype), ("class", SH["class"])):
                value = shapes.value(prop, predicate)
                if value is not None:
                    rule.append(f"{name} {short(value)}")
            listed = shapes.value(prop, SH["in"])
            if listed is not None:
                rule.append("one of " + ", ".join(short(v) for v in Collection(shapes, listed)))
            severity = shapes.value(prop, SH.severity)
            rows.append({
                "path": path_text(shapes, shapes.value(prop, SH.path)),
                "rule": "; ".join(rule),
                "message": str(shapes.value(prop, SH.message) or ""),
                "severity": "warning" if severity is not None and str(severity).endswith("Warning") else "violation",
            })
        message = shapes.value(shape, SH.message)
        if message is not None:
            rows.append({"path": "(the node itself)", "rule": "", "message": str(message), "severity": "violation"})
        rows.sort(key=lambda r: (r["path"], r["message"]))
    return out
