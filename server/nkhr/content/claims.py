"""Who says what: every figure grouped by what it is about and what it measures, side by side.

Each claim keeps the resources behind it (its subject, authors, disputers, the claims that
contradict it, its sources) as (IRI, label) pairs, so the page links them; ``ClaimFilter`` is
what a reader narrows the page to (subject, quantity kind, author, certainty, section, disputed
only), read from and written back to the page's address so a filtered view can be shared,
reloaded and downloaded as CSV. Related quantity kinds filter together: "deaths" also finds
"excess deaths" and "deaths per year".
"""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..query.engine import QueryEngine
from ..vocab import GRAPH_ASSERTED
from ..vocab import QUANTITY_KINDS as QK
from .quantity import quantity_text
from .sparql import rows as _rows

NOT_ATTRIBUTED = "not attributed in the article"
# Quantity kinds a reader looks for together, under the first one's name.
RELATED_KINDS = {
    QK + "deaths": (QK + "deaths", QK + "excess-deaths", QK + "deaths-per-year", QK + "executions"),
}
_GROUP_OF = {member: head for head, members in RELATED_KINDS.items() for member in members}

# Pairs "IRI<TAB>label" joined by newlines: the claims' linked resources in one column each.
_PAIRS = 'GROUP_CONCAT(DISTINCT CONCAT(STR(?{0}), "\\t", STR(?{0}Label)); separator="\\n") AS ?{0}s'

CLAIMS = f"""
SELECT ?claim ?label ?about ?aboutLabel ?kind ?kindLabel ?value ?min ?max ?atLeast ?approximate ?unit
       ?certaintyIri ?certainty ?stated ?point ?start ?end
       ({_PAIRS.format("by")}) ({_PAIRS.format("disputer")}) ({_PAIRS.format("from")}) ({_PAIRS.format("other")})
       (SAMPLE(?section) AS ?aSection) (SAMPLE(?sectionLabel) AS ?aSectionLabel)
WHERE {{
  GRAPH <{GRAPH_ASSERTED}> {{
    ?claim a ?claimType ; rdfs:label ?label ; nkhr:about ?about ; nkhr:quantityKind ?kind ;
           nkhr:certainty ?certaintyIri .
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
    OPTIONAL {{ ?claim prov:wasAttributedTo ?by . ?by rdfs:label ?byLabel }}
    OPTIONAL {{ ?claim nkhr:disputedBy ?disputer . ?disputer rdfs:label ?disputerLabel }}
    OPTIONAL {{ ?claim prov:wasDerivedFrom ?from . ?from rdfs:label ?fromLabel }}
    OPTIONAL {{ ?claim nkhr:statedIn ?section . ?section rdfs:label ?sectionLabel }}
  }}
  OPTIONAL {{ ?claim nkhr:contradicts|^nkhr:contradicts ?other . ?other rdfs:label ?otherLabel }}
  OPTIONAL {{ ?claim schema:unitCode/rdfs:label ?unit }}
  ?certaintyIri skos:prefLabel ?certainty .
  ?kind skos:prefLabel ?kindLabel .
  OPTIONAL {{ ?about rdfs:label|skos:prefLabel ?aboutLabel }}
}}
GROUP BY ?claim ?label ?about ?aboutLabel ?kind ?kindLabel ?value ?min ?max ?atLeast ?approximate ?unit
         ?certaintyIri ?certainty ?stated ?point ?start ?end
ORDER BY ?aboutLabel ?kindLabel ?label"""

Link = tuple[str, str]          # (IRI, label)


@dataclass
class ClaimRow:
    iri: str
    label: str
    quantity: str
    unit: str
    certainty: str
    certainty_iri: str
    authors: list[Link]
    disputed_by: list[Link]
    contradicted_by: list[Link]
    derived_from: list[Link]
    stated: str
    describes: str
    section: str
    section_label: str

    @property
    def by(self) -> str:
        return "; ".join(label for _, label in self.authors) or NOT_ATTRIBUTED

    @property
    def disputed(self) -> bool:
        return bool(self.disputed_by or self.contradicted_by)


@dataclass
class ClaimGroup:
    about: str
    about_label: str
    kind: str
    kind_label: str
    claims: list[ClaimRow] = field(default_factory=list)

    @property
    def kind_group(self) -> str:
        return _GROUP_OF.get(self.kind, self.kind)

    @property
    def differs(self) -> bool:
        """True when two claims give different figures in the same unit (km² beside mi² is no dispute)."""
        by_unit: dict[str, set[str]] = {}
        for claim in self.claims:
            by_unit.setdefault(claim.unit, set()).add(claim.quantity)
        return any(len(figures) > 1 for figures in by_unit.values())


def _links(text: str | None) -> list[Link]:
    if not text:
        return []
    pairs = [tuple(line.split("\t", 1)) for line in text.split("\n") if "\t" in line]
    return sorted({(iri, label) for iri, label in pairs}, key=lambda pair: (pair[1].lower(), pair[0]))


def _period(row: dict[str, str | None]) -> str:
    if row["point"]:
        return row["point"]
    if row["start"] or row["end"]:
        return f"{row['start'] or '…'}–{row['end'] or '…'}"
    return ""


def claim_groups(engine: QueryEngine) -> list[ClaimGroup]:
    """Quantitative claims grouped by what they are about and what they measure, biggest groups first."""
    groups: OrderedDict[tuple[str, str], ClaimGroup] = OrderedDict()
    for row in _rows(engine, CLAIMS):
        key = (row["about"] or "", row["kind"] or "")
        group = groups.setdefault(key, ClaimGroup(key[0], row["aboutLabel"] or key[0], key[1],
                                                  row["kindLabel"] or key[1]))
        unit = row["unit"] or ""
        group.claims.append(ClaimRow(
            iri=row["claim"] or "", label=row["label"] or "",
            quantity=quantity_text(row["value"], row["min"], row["max"], row["atLeast"] == "true",
                                   row["approximate"] == "true", unit),
            unit=unit, certainty=row["certainty"] or "", certainty_iri=row["certaintyIri"] or "",
            authors=_links(row["bys"]), disputed_by=_links(row["disputers"]),
            contradicted_by=_links(row["others"]), derived_from=_links(row["froms"]),
            stated=row["stated"] or "", describes=_period(row),
            section=row["aSection"] or "", section_label=row["aSectionLabel"] or ""))
    return sorted(groups.values(), key=lambda g: (not g.differs, -len(g.claims), g.about_label.lower(), g.kind_label))


@dataclass
class ClaimFilter:
    """What the reader narrowed /claims to; every field is a query parameter of the page."""
    subject: str = ""
    kind: str = ""            # a quantity kind, or the head of RELATED_KINDS for the group
    author: str = ""
    certainty: str = ""
    section: str = ""
    disputed: bool = False

    PARAMETERS = ("subject", "kind", "author", "certainty", "section", "disputed")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ClaimFilter:
        return cls(subject=args.get("subject", ""), kind=args.get("kind", ""), author=args.get("author", ""),
                   certainty=args.get("certainty", ""), section=args.get("section", ""),
                   disputed=args.get("disputed", "") in ("1", "on", "true", "yes"))

    def as_args(self) -> dict[str, str]:
        values = {"subject": self.subject, "kind": self.kind, "author": self.author, "certainty": self.certainty,
                  "section": self.section, "disputed": "1" if self.disputed else ""}
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    def keeps(self, group: ClaimGroup, claim: ClaimRow) -> bool:
        if self.subject and group.about != self.subject:
            return False
        if self.kind and group.kind != self.kind and group.kind_group != self.kind:
            return False
        if self.author and self.author not in {iri for iri, _ in claim.authors}:
            return False
        if self.certainty and claim.certainty_iri != self.certainty:
            return False
        if self.section and claim.section != self.section:
            return False
        return not (self.disputed and not claim.disputed)

    def apply(self, groups: list[ClaimGroup]) -> list[ClaimGroup]:
        kept = []
        for group in groups:
            claims = [c for c in group.claims if self.keeps(group, c)]
            if claims:
                kept.append(ClaimGroup(group.about, group.about_label, group.kind, group.kind_label, claims))
        return kept


def filter_choices(groups: list[ClaimGroup]) -> dict[str, list[Link]]:
    """The values each filter can take, with labels, from every claim (not only those shown)."""
    subjects: dict[str, str] = {}
    kinds: dict[str, str] = {}
    authors: dict[str, str] = {}
    certainties: dict[str, str] = {}
    sections: dict[str, str] = {}
    for group in groups:
        subjects[group.about] = group.about_label
        head = group.kind_group
        kinds.setdefault(head, group.kind_label if head == group.kind else "")
        if head != group.kind:
            kinds.setdefault(group.kind, group.kind_label)
        for claim in group.claims:
            authors.update(claim.authors)
            certainties[claim.certainty_iri] = claim.certainty
            if claim.section:
                sections[claim.section] = claim.section_label
    for head, members in RELATED_KINDS.items():
        if head in kinds:
            others = [kinds[m] for m in members if m != head and kinds.get(m)]
            kinds[head] = (kinds[head] or head.rsplit("/", 1)[-1]) + (f" (with {', '.join(others)})" if others else "")
    ordered = {name: sorted(values.items(), key=lambda pair: (pair[1].lower(), pair[0]))
               for name, values in (("subject", subjects), ("kind", kinds), ("author", authors),
                                    ("certainty", certainties), ("section", sections))}
    return ordered


CSV_HEADER = ["subject", "quantity kind", "figure", "statement", "who says it", "certainty", "time described",
              "stated", "disputed by", "contradicted by", "section", "claim"]


def claims_csv(groups: list[ClaimGroup]) -> str:
    """The claims shown, one row each, in the page's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group in groups:
        for c in group.claims:
            writer.writerow([group.about_label, group.kind_label, c.quantity, c.label, c.by, c.certainty,
                             c.describes, c.stated, "; ".join(label for _, label in c.disputed_by),
                             "; ".join(label for _, label in c.contradicted_by), c.section_label, c.iri])
    return out.getvalue()
