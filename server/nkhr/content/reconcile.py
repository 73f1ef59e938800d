"""Reconciliation: matching the names in a researcher's spreadsheet to the graph's IRIs.

OpenRefine (and any client of the W3C Reconciliation Service API 0.2) sends names such as
"Yodok", "Camp 15" or "kwan-li-so no. 15" and gets candidates with a score, their types and a
``match`` flag. This module holds the matching and the data behind it; ``nkhr.web.reconcile``
speaks the protocol.

Why not the full-text search index: a search hit needs every word in one name, but people
write a camp as "Camp 15" (one word from its label, the number from its official name). Here
every thing's names (label, alternative and official names, title) are folded with
``nkhr.text`` and pooled: a candidate must hold the query's words in any of its names, a number
in the query must be the thing's number (a "Camp 15" is never Camp 16), and the score says how
much of the query and of the best name agree. ``match`` is true only for an unambiguous exact
match: the whole folded query is one of the thing's names, and no other candidate has that name.

The names are read once per process from the served dataset (memory, disk store or remote
store alike) with a few SPARQL queries, and kept in memory: a few MB at a million triples.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyoxigraph as ox

from ..text import fold, tokens
from ..vocab import BASE, PREFIXES, RDFS_LABEL, curie

ONTOLOGY = BASE + "ontology#"
ID_SPACE = BASE + "id/"
_P = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())

# The kinds of things one reconciles a column against: every class below these (claims,
# sections and vocabulary concepts are statements and terms, not things of a spreadsheet).
ROOTS = ("Person", "Organisation", "Group", "Place", "Document", "Event", "Practice")
DEFAULT_TYPES = ("PoliticalPrisonCamp", "ReeducationCamp", "DetentionFacility", "Person", "Organisation",
                 "Place", "Document", "Event")
EXCLUDED = ("Section", "Claim", "Rating")
NAMES = {"rdfs:label": "label", "skos:altLabel": "alternative name", "nkhr:officialName": "official name",
         "dcterms:title": "title"}

MAX_CANDIDATES = 50
MAX_POOL = 5000             # things scored for one query at most (see candidates)
CHUNK = 500                 # things per query when reading property values
MIN_COVERAGE = 0.5          # at least half the query's words must be in the thing's names


@dataclass(frozen=True)
class Property:
    """A property a client can constrain a query on or fetch in a data extension."""

    id: str
    name: str
    description: str
    path: str | None = None          # a SPARQL path from the thing, for plain properties
    entity: bool = False             # values are things (id and name), not literals
    quantity: str | None = None      # for claim figures: the quantity kind's local name
    detail: str | None = None        # for claim figures: "value", "author" or "claim"
    types: tuple[str, ...] = ()      # the classes it is proposed for (empty: all)
    range: str | None = None         # the class of its values, for things


_CAMPS = ("PoliticalPrisonCamp", "ReeducationCamp", "DetentionFacility")
PROPERTIES: tuple[Property, ...] = (
    Property("officialName", "official name", "The official name, e.g. Kwan-li-so No. 15.",
             "nkhr:officialName", types=_CAMPS),
    Property("facilityNumber", "facility number", "The number in a camp's official name.",
             "nkhr:facilityNumber", types=_CAMPS),
    Property("facilityStatus", "status", "Operating or closed, as the article reports it.",
             "nkhr:facilityStatus", entity=True, types=_CAMPS,
             range="FacilityStatus"),
    Property("runBy", "run by", "The body that runs the facility.", "nkhr:runBy", entity=True, types=_CAMPS,
             range="Organisation"),
    Property("locatedIn", "located in", "The place it lies in.", "schema:containedInPlace", entity=True,
             types=(*_CAMPS, "Place"), range="Place"),
    Property("area", "area", "Its area as the article states it, one value per claim, with the unit.",
             quantity="area", detail="value", types=_CAMPS),
    Property("prisoners", "prisoners held", "Every figure for the prisoners it holds, one per claim.",
             quantity="prisoners", detail="value", types=_CAMPS),
    Property("prisonersAuthor", "prisoners held: author", "Who states each prisoner figure, in the same order "
             "(empty where the article names no one).", quantity="prisoners", detail="author", types=_CAMPS,
             range="Agent"),
    Property("prisonersClaim", "prisoners held: claim", "Each prisoner figure as a sentence with its certainty, "
             "author, time and section, in the same order.", quantity="prisoners", detail="claim", types=_CAMPS),
    Property("nationality", "country (nationality)", "A person's country.", "schema:nationality", entity=True,
             types=("Person",), range="Country"),
    Property("memberOf", "member of", "The bodies a person belongs to.", "org:memberOf", entity=True,
             types=("Person",), range="Organisation"),
    Property("partOf", "part of", "The body an organisation belongs to.", "org:subOrganizationOf", entity=True,
             types=("Organisation",), range="Organisation"),
    Property("alternativeName", "alternative name", "Other names it is known by.", "skos:altLabel"),
    Property("description", "description", "A short description in the project's words.", "rdfs:comment"),
    Property("issued", "issued", "When a document was issued.", "dcterms:issued", types=("Document",)),
    Property("date", "date", "When an event happened.", "dcterms:date", types=("Event",)),
    Property("statedIn", "stated in", "The article sections that state its facts.", "nkhr:statedIn",
             entity=True, range="Section"),
)
PROPERTY = {p.id: p for p in PROPERTIES}
# Constraint names people use for the same property.
ALIASES = {"country": "nationality", "number": "facilityNumber", "campNumber": "facilityNumber",
           "status": "facilityStatus", "location": "locatedIn", "officialname": "officialName"}


def type_id(name: str) -> str:
    return ONTOLOGY + name


def normalise_type(value: str) -> str:
    """A type as clients write it (full IRI, ``nkhr:Person`` or ``Person``) as the full IRI."""
    if value.startswith("nkhr:"):
        return ONTOLOGY + value[5:]
    if "/" not in value and ":" not in value:
        return ONTOLOGY + value
    return value


def find_property(pid: str) -> Property | None:
    pid = pid.rsplit("#", 1)[-1]
    return PROPERTY.get(pid) or PROPERTY.get(ALIASES.get(pid, ALIASES.get(pid.lower(), "")))


@dataclass
class Thing:
    iri: str
    label: str
    names: list[tuple[str, str]] = field(default_factory=list)     # (folded name, which name)
    other_names: set[str] = field(default_factory=set)             # as written, besides the label
    words: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)                   # every class, inferred too
    asserted: set[str] = field(default_factory=set)                # the most specific, as given
    description: str = ""
    links: int = 0                                                 # claims about it: breaks ties
    shortest: int = 0                                              # words in its shortest name


@dataclass
class Candidate:
    thing: Thing
    score: float
    exact: bool
    features: dict[str, float | bool]


_NUMBER = re.compile(r"^\d+$")


class Answers(Protocol):
    """What an engine (in memory, on disk or a remote store) answers: rows of terms."""

    rows: list[list[Any]]


class QueryEngine(Protocol):
    def query(self, sparql: str) -> Answers: ...


def _value(term: Any) -> str:
    return term.value if term is not None else ""


class Reconciler:
    """The names and types of every reconcilable thing of one build, with matching over them."""

    def __init__(self, engine: QueryEngine):
        self.engine = engine
        self.things: dict[str, Thing] = {}
        self.by_word: dict[str, set[str]] = defaultdict(set)
        self.by_name: dict[str, set[str]] = defaultdict(set)        # a whole folded name -> things
        self.vocabulary: list[str] = []
        self.class_labels: dict[str, str] = {}
        self.broader: dict[str, set[str]] = defaultdict(set)       # class -> its direct superclasses (ours)
        self._load()

    def _select(self, query: str) -> list[list[Any]]:
        return list(self.engine.query(_P + query).rows)

    def _load(self) -> None:
        """Read the things, their names, classes and numbers: simple patterns, joined here.

        Each query is one or two index look-ups (no FILTER NOT EXISTS, no joins over the whole
        dataset): at a million triples the index is read in seconds, not a minute.
        """
        self._load_classes()
        roots = " ".join(f"nkhr:{r}" for r in ROOTS)
        excluded = {ONTOLOGY + c for c in EXCLUDED}
        # The classes each thing was given; those above them follow from the ontology, here,
        # rather than read from the inferred graph (a third of the rows, for the same answer).
        asserted: dict[str, set[str]] = defaultdict(set)
        # As given in the asserted graph, or in the ontology's rights scheme (treaties and their articles).
        given = (f"{{ GRAPH <{BASE}graph/asserted> {{ ?x a ?c }} }} "
                 f"UNION {{ GRAPH <{BASE}graph/ontology> {{ ?x a ?c }} }}")
        for x, kind in self._select(f"SELECT DISTINCT ?x ?c WHERE {{ VALUES ?root {{ {roots} }} ?x a ?root . "
                                    f"{given} }}"):
            if isinstance(x, ox.NamedNode) and x.value.startswith(BASE) and kind.value.startswith(ONTOLOGY):
                asserted[x.value].add(kind.value)
        for iri, classes in asserted.items():
            every = set(classes)
            for cls in classes:
                every |= self.ancestors(cls)
            if not every & excluded:
                self.things[iri] = Thing(iri, "", types=every, asserted=classes)
        names = sorted((_value(x), _value(p), _value(n)) for x, p, n in self._select(
            f"SELECT DISTINCT ?x ?p ?n WHERE {{ VALUES ?p {{ {' '.join(NAMES)} }} ?x ?p ?n }}")
            if _value(x) in self.things and isinstance(n, ox.Literal))
        for iri, predicate, name in names:                 # the label first: the smallest one
            thing = self.things[iri]
            if predicate == RDFS_LABEL and not thing.label:
                thing.label = name
        for iri, predicate, name in names:
            self._add_name(self.things[iri], name, NAMES[curie(predicate) or ""])
        for x, number in self._select("SELECT DISTINCT ?x ?n WHERE { ?x nkhr:facilityNumber ?n }"):
            found = self.things.get(_value(x))
            if found is not None:
                found.numbers.add(str(int(float(number.value))))
        for x, comment in self._select("SELECT DISTINCT ?x ?c WHERE { ?x rdfs:comment ?c }"):
            found = self.things.get(_value(x))
            if found is not None and (not found.description or _value(comment) < found.description):
                found.description = _value(comment)
        for x, count in self._select("SELECT ?x (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c nkhr:about ?x } GROUP BY ?x"):
            found = self.things.get(_value(x))
            if found is not None:
                found.links = int(count.value)
        for iri in [iri for iri, thing in self.things.items() if not thing.label]:
            del self.things[iri]                            # nothing to match a name against
        for thing in self.things.values():
            if not thing.description and thing.other_names:      # tells namesakes apart in OpenRefine
                thing.description = "Also: " + "; ".join(sorted(thing.other_names))
            for word in thing.words | thing.numbers:
                self.by_word[word].add(thing.iri)
            for name, _ in thing.names:
                self.by_name[name].add(thing.iri)
            thing.shortest = min((len(name.split()) for name, _ in thing.names), default=0)
        self.vocabulary = sorted(self.by_word)       # for prefix look-ups by bisection

    def _load_classes(self) -> None:
        """Our classes' labels and their direct superclasses (the ontology graph only: the inferred
        graph holds the transitive closure, which is not what "broader" means)."""
        for cls, label in self._select("SELECT ?c (MIN(STR(?l)) AS ?label) WHERE { ?c a owl:Class ; rdfs:label ?l "
                                       f"FILTER STRSTARTS(STR(?c), \"{ONTOLOGY}\") }} GROUP BY ?c"):
            self.class_labels[cls.value] = _value(label)
        for cls, up in self._select(f"SELECT DISTINCT ?c ?s WHERE {{ GRAPH <{BASE}graph/ontology> "
                                    "{ ?c rdfs:subClassOf ?s } }"):
            if cls.value in self.class_labels and up.value in self.class_labels and up != cls:
                self.broader[cls.value].add(up.value)

    def ancestors(self, cls: str) -> set[str]:
        """Every class above ``cls`` in our hierarchy."""
        seen: set[str] = set()
        todo = list(self.broader.get(cls, ()))
        while todo:
            up = todo.pop()
            if up not in seen:
                seen.add(up)
                todo.extend(self.broader.get(up, ()))
        return seen

    def _add_name(self, thing: Thing, name: str, which: str) -> None:
        words = tokens(name)
        if not words:
            return
        thing.names.append((" ".join(words), which))
        if name != thing.label:
            thing.other_names.add(name)
        thing.words.update(words)
        thing.numbers.update(w for w in words if _NUMBER.match(w))

    def type_refs(self, thing: Thing) -> list[dict[str, str]]:
        return [{"id": t, "name": self.class_labels.get(t, t.rsplit("#", 1)[-1])} for t in sorted(thing.asserted)]

    def type_ref(self, iri: str, broader: bool = False) -> dict[str, Any]:
        """A type as the API writes it; with ``broader``, its direct superclasses too (recursively)."""
        ref: dict[str, Any] = {"id": iri, "name": self.type_label(iri)}
        if broader and self.broader.get(iri):
            ref["broader"] = [self.type_ref(up, broader=True) for up in sorted(self.broader[iri])]
        return ref

    def type_label(self, iri: str) -> str:
        return self.class_labels.get(iri, iri.rsplit("#", 1)[-1])

    def resolve(self, text: str) -> Thing | None:
        """The thing ``text`` names by its id: the full IRI, or its local part ("kwan-li-so-15")."""
        text = text.strip()
        return self.things.get(text) or self.things.get(ID_SPACE + text)

    def candidates(self, text: str, types: list[str] | None = None, limit: int = 5,
                   constraints: list[tuple[Property, list[Any]]] | None = None) -> list[Candidate]:
        """The things whose names match ``text``, best first (see the module's docstring).

        With no words, the properties alone choose: every thing of the wanted types whose values
        agree with all of them.
        """
        words = tokens(text)
        whole = " ".join(words)
        query = set(words)
        numbers = {w for w in query if _NUMBER.match(w)}
        wanted = {normalise_type(t) for t in types or ()}
        found: list[Candidate] = []
        named = self.resolve(text)
        if named is not None:           # an id as the query: that thing, certainly
            found.append(Candidate(named, 100.0, True, {"id_exact": True}))
        elif not query:
            numbers_wanted = {fold(_plain(v)) for prop, vs in constraints or () if prop.id == "facilityNumber"
                              for v in vs}
            found = [Candidate(thing, 100.0, True, {}) for thing in self.things.values()
                     if (not wanted or wanted & thing.types)
                     and (not numbers_wanted or numbers_wanted & thing.numbers)]
        pool: set[str] = set()
        if named is None and query:
            # A candidate holds at least half the words, so it holds one of the rarest
            # len//2 + 1 of them: looking only there loses none and skips the common words' lists.
            rarest = sorted(query, key=lambda w: (len(self.by_word.get(w, ())), w))[:len(query) // 2 + 1]
            for word in rarest:
                pool |= self.by_word.get(word, set())
        eligible: list[tuple[float, Thing]] = []
        for iri in pool:
            thing = self.things[iri]
            if wanted and not wanted & thing.types:
                continue
            if numbers and thing.numbers and not numbers & thing.numbers:
                continue                       # "Camp 15" is not camp 16
            coverage = len(query & (thing.words | thing.numbers)) / len(query)
            if coverage >= MIN_COVERAGE:
                eligible.append((coverage, thing))
        if len(eligible) > MAX_POOL:
            # Only a query of common words gets here ("synthetic camp" at a million triples): keep
            # those holding most of its words, with the shortest names (the name overlap is what
            # is left to differ), and every thing named exactly so.
            eligible.sort(key=lambda e: (-e[0], e[1].shortest, e[1].iri))
            exact_names = self.by_name.get(whole, set())
            eligible = eligible[:MAX_POOL] + [e for e in eligible[MAX_POOL:] if e[1].iri in exact_names]
        for coverage, thing in eligible:
            exact = any(name == whole for name, _ in thing.names)
            best = max((len(query & set(name.split())) / len(query | set(name.split()))
                        for name, _ in thing.names), default=0.0)
            score = 100.0 if exact else min(99.0, round(100 * (0.6 * coverage + 0.4 * best), 1))
            features: dict[str, float | bool] = {"name_exact": exact, "words_found": round(coverage, 3),
                                                 "best_name_overlap": round(best, 3)}
            if numbers:
                features["number_matches"] = bool(numbers & thing.numbers)
            found.append(Candidate(thing, score, exact, features))
        if constraints:
            found = self._constrain(found, constraints)
            if not query:               # properties alone: only things that have every value asked for
                found = [c for c in found if c.exact]
        # Equal scores: the thing the graph says more about first ("Camp 15": Yodok, Kwan-li-so No. 15,
        # before the re-education camp Kyo-hwa-so No. 15), then by name.
        found.sort(key=lambda c: (-c.score, -c.thing.links, c.thing.label.casefold(), c.thing.iri))
        return found[:max(1, min(limit, MAX_CANDIDATES))]

    def suggest(self, prefix: str, types: list[str] | None = None, limit: int = 10, skip: int = 0) -> list[Thing]:
        """Things with a name holding the words typed so far, the last one as a prefix ("kwan-li-so 1")."""
        named = self.resolve(prefix)
        if named is not None:
            return [named] if skip == 0 else []
        words = tokens(prefix)
        if not words:
            return []
        *whole, last = words
        pool: set[str] = set()
        start = bisect.bisect_left(self.vocabulary, last)
        for word in itertools.takewhile(lambda w: w.startswith(last), self.vocabulary[start:]):
            pool |= self.by_word[word]
        if whole:                  # the things holding the rarest whole word too
            pool &= self.by_word.get(min(whole, key=lambda w: len(self.by_word.get(w, ()))), set())
        wanted = {normalise_type(t) for t in types or ()}
        hits = []
        for iri in pool:
            thing = self.things[iri]
            bag = thing.words | thing.numbers
            if all(w in bag for w in whole) and (not wanted or wanted & thing.types):
                first = any(name.startswith(" ".join(words)) for name, _ in thing.names)
                hits.append((not first, -thing.links, thing.label.casefold(), iri, thing))
        hits.sort()
        return [hit[-1] for hit in hits[skip:skip + max(1, min(limit, MAX_CANDIDATES))]]

    def _constrain(self, found: list[Candidate], constraints: list[tuple[Property, list[Any]]]) -> list[Candidate]:
        """Keep the candidates whose values agree with every constraint; one that lacks a value is
        kept with a lower score (the article may not say), one that contradicts it is dropped.

        The values of all candidates are read together, in chunks, not one query per candidate.
        """
        iris = [c.thing.iri for c in found]
        values: dict[str, dict[str, list[Any]]] = {}
        for start in range(0, len(iris), CHUNK):
            values.update(self.values(iris[start:start + CHUNK], [p for p, _ in constraints]))
        kept = []
        for candidate in found:
            if self._agrees(candidate, values.get(candidate.thing.iri, {}), constraints):
                kept.append(candidate)
        return kept

    @staticmethod
    def _agrees(candidate: Candidate, values: dict[str, list[Any]],
                constraints: list[tuple[Property, list[Any]]]) -> bool:
        for prop, wanted in constraints:
            have = values.get(prop.id, [])
            if not have:
                candidate.score = round(candidate.score * 0.8, 1)
                candidate.exact = False
                candidate.features[f"{prop.id}_matches"] = False
                continue
            comparable = set()
            for value in have:
                if isinstance(value, dict):
                    comparable |= {value.get("id", ""), fold(value.get("name", ""))}
                else:
                    comparable.add(fold(_plain(value)))
            ok = any((w.get("id", "") if isinstance(w, dict) else fold(_plain(w))) in comparable
                     or (isinstance(w, dict) and fold(w.get("name", "")) in comparable) for w in wanted)
            if not ok:
                return False
            candidate.features[f"{prop.id}_matches"] = True
        return True

    def values(self, iris: list[str], props: list[Property]) -> dict[str, dict[str, list[Any]]]:
        """Each thing's values of each property: strings, numbers or {"id", "name"} for things.

        Only IRIs of known things are put into the queries, so nothing a client sends reaches SPARQL.
        """
        known = [iri for iri in iris if iri in self.things]
        out: dict[str, dict[str, list[Any]]] = {iri: {p.id: [] for p in props} for iri in known}
        if not known:
            return out
        values = " ".join(f"<{iri}>" for iri in known)
        for prop in props:
            if prop.path:
                rows = self._select(f"SELECT DISTINCT ?x ?v (MIN(STR(?l)) AS ?label) WHERE {{ VALUES ?x {{ {values} }} "
                                    f"?x {prop.path} ?v OPTIONAL {{ ?v rdfs:label|skos:prefLabel ?l }} }} "
                                    "GROUP BY ?x ?v ORDER BY ?x ?v")
                for x, v, label in rows:
                    if prop.entity:
                        out[x.value][prop.id].append({"id": v.value, "name": _value(label) or v.value})
                    else:
                        out[x.value][prop.id].append(_literal(v))
            else:
                for x, cells in self._figures(values, prop).items():
                    out[x][prop.id] = cells
        return out

    def _figures(self, values: str, prop: Property) -> dict[str, list[Any]]:
        """Claim figures about each thing for one quantity kind, one cell per claim, in claim order.

        ``value`` cells are numbers only for a figure given plainly; a range or a figure given as
        "at least" or "about" is written out ("80000 to 120000", "at least 6000"), so that no
        qualifier is lost in a spreadsheet column. ``author`` cells are the author as a thing, or
        their names joined when a claim has several; ``claim`` cells are whole sentences.
        """
        rows = self._select(f"""SELECT ?x ?c ?label ?value ?min ?max ?least ?about ?unit ?cert ?author ?authorLabel
                                       ?when ?section
            WHERE {{ VALUES ?x {{ {values} }}
              ?c nkhr:about ?x ; nkhr:quantityKind <{BASE}id/quantity/{prop.quantity}> ; rdfs:label ?label .
              OPTIONAL {{ ?c schema:value ?value }} OPTIONAL {{ ?c schema:minValue ?min }}
              OPTIONAL {{ ?c schema:maxValue ?max }}
              OPTIONAL {{ ?c nkhr:atLeast ?least }} OPTIONAL {{ ?c nkhr:approximate ?about }}
              OPTIONAL {{ ?c schema:unitCode/rdfs:label ?unit }}
              OPTIONAL {{ ?c nkhr:certainty/(rdfs:label|skos:prefLabel) ?cert }}
              OPTIONAL {{ ?c prov:wasAttributedTo ?author OPTIONAL {{ ?author rdfs:label ?authorLabel }} }}
              OPTIONAL {{ ?c nkhr:pointInTime ?when }}
              OPTIONAL {{ ?c nkhr:statedIn/rdfs:label ?section }}
            }} ORDER BY ?x ?c""")
        claims: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for x, c, label, value, low, high, least, about, unit, cert, author, author_label, when, section in rows:
            claim = claims[x.value].setdefault(c.value, {
                "label": _value(label), "value": _literal(value) if value is not None else None,
                "min": _literal(low) if low is not None else None, "max": _literal(high) if high is not None else None,
                "at_least": _value(least) == "true", "approximate": _value(about) == "true",
                "unit": _value(unit), "certainty": _value(cert), "authors": {}, "when": set(), "sections": set()})
            if author is not None:
                claim["authors"][author.value] = _value(author_label) or author.value
            if when is not None:
                claim["when"].add(when.value)
            if section is not None:
                claim["sections"].add(section.value)
        out: dict[str, list[Any]] = {}
        for x, by_claim in claims.items():
            cells: list[Any] = []
            for claim in by_claim.values():
                if prop.detail == "value":
                    cells.append(_figure(claim))
                elif prop.detail == "author":
                    authors = sorted(claim["authors"].items())
                    cells.append({"id": authors[0][0], "name": authors[0][1]} if len(authors) == 1
                                 else " and ".join(name for _, name in authors) if authors else {})
                else:
                    cells.append(_sentence(claim))
            out[x] = cells
        return out


def _figure(claim: dict[str, Any]) -> Any:
    """A claim's figure: a number when given plainly, else the words that keep its qualifiers."""
    if claim["value"] is not None:
        text = _plain(claim["value"])
    elif claim["min"] is not None:
        text = f"{_plain(claim['min'])} to {_plain(claim['max'])}" if claim["max"] is not None \
            else f"{_plain(claim['min'])} or more"
    elif claim["max"] is not None:
        text = f"up to {_plain(claim['max'])}"
    else:
        return {}
    if not (claim["at_least"] or claim["approximate"]) and claim["value"] is not None:
        return claim["value"]
    return ("at least " if claim["at_least"] else "") + ("about " if claim["approximate"] else "") + text


def _sentence(claim: dict[str, Any]) -> str:
    figure = _figure(claim)
    unit = "" if claim["unit"] == "number" else claim["unit"]
    details = [d for d in (f"{_plain(figure)} {unit}".strip() if figure != {} else "", claim["certainty"],
                           "by " + ", ".join(sorted(claim["authors"].values())) if claim["authors"] else
                           "no author named", ", ".join(sorted(claim["when"])),
                           "section: " + "; ".join(sorted(claim["sections"])) if claim["sections"] else "") if d]
    return f"{claim['label']} ({'; '.join(details)})"


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _literal(term: Any) -> Any:
    """A literal as JSON: integers and decimals as numbers, booleans as booleans, the rest as text."""
    datatype = getattr(getattr(term, "datatype", None), "value", "")
    if datatype.endswith(("#integer", "#int", "#long", "#nonNegativeInteger", "#positiveInteger")):
        return int(term.value)
    if datatype.endswith(("#decimal", "#double", "#float")):
        number = float(term.value)
        return int(number) if number.is_integer() else number
    if datatype.endswith("#boolean"):
        return term.value == "true"
    return term.value

