"""rdflib's canonical blank-node labels, computed on pyoxigraph triples without rdflib's look-ups.

The dumps and the SHACL report label their blank nodes as rdflib.compare's
``to_canonical_graph`` does (``serialize.canonical_triples`` says why). That is RGDA1: colour
refinement, then a search (``_traces``) when refinement leaves nodes that look alike. On the
SHACL report (48 results, their rdf:List paths alike) it took 0.1 s, nearly all of it in
refinement's two ``graph.triples`` look-ups per blank node and colour, in rdflib's store.

Here refinement runs as rdflib's ``_TripleCanonicalizer._refine`` does, step for step (the same
colours split in the same order, so the same names come out), with a node's neighbours in
lists and a colour's name grown by what a step adds: rdflib names a colour by the hexadecimal
sum of the SHA-256 of its items' texts, so a colour that gains items gains their hashes. Its
result does not depend on the order the nodes come in (every sort has distinct keys until two
colours share a name, and then the search is needed). When refinement leaves two nodes of one
colour, the caller asks rdflib (its search is not reproduced here).
``tests/build/test_canonical.py`` compares the two on graphs of every shape the build writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from hashlib import sha256

import pyoxigraph as ox

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


class _Colour:
    """A colour of rdflib's refinement: its nodes, the sum that names it, and that name
    (``Color.hash_color()``; a node that is not blank is named by its N3 text). ``place`` orders
    the colours of blank nodes as rdflib's list of them (a colour's parts take its place)."""

    __slots__ = ("nodes", "value", "name", "place")

    def __init__(self, nodes: list[OxTerm], value: int, name: str | None = None, place: tuple[int, ...] = ()):
        self.nodes = nodes
        self.value = value
        self.name = f"{value:x}" if name is None else name
        self.place = place

    def key(self) -> tuple[int, str]:
        return len(self.nodes), self.name


class _Refinement:
    def __init__(self, triples: list[ox.Triple], n3: Callable[[OxTerm], str]):
        self._hashes: dict[str, int] = {}
        self.outgoing: dict[OxTerm, list[tuple[str, OxTerm]]] = defaultdict(list)
        self.incoming: dict[OxTerm, list[tuple[str, OxTerm]]] = defaultdict(list)
        self.neighbours: dict[OxTerm, set[ox.BlankNode]] = defaultdict(set)    # the blank nodes beside a node
        blank: dict[ox.BlankNode, None] = {}
        others: dict[OxTerm, None] = {}
        for triple in triples:
            s, o = triple.subject, triple.object
            if isinstance(s, ox.Triple) or isinstance(o, ox.Triple):
                raise ValueError(f"no quoted triple has a canonical label: {triple}")
            p = n3(triple.predicate)
            others[triple.predicate] = None
            for node in (s, o):
                if isinstance(node, ox.BlankNode):
                    blank[node] = None
                else:
                    others[node] = None
            if isinstance(s, ox.BlankNode):
                self.outgoing[s].append((p, o))
                self.neighbours[o].add(s)
            if isinstance(o, ox.BlankNode):
                self.incoming[o].append((p, s))
                self.neighbours[s].add(o)
        self.blank = _Colour(list(blank), 0, place=(0,))
        self.others = [_Colour([node], 0, n3(node)) for node in others]

    def _hash(self, text: str) -> int:
        found = self._hashes.get(text)
        if found is None:
            found = self._hashes[text] = int(sha256(text.encode("utf8")).hexdigest(), 16)
        return found

    def _distinguish(self, colour: _Colour, by: _Colour, members: set[OxTerm]) -> list[_Colour]:
        """``Color.distinguish``: each node's colour with the items (1, p, W) of its triples to
        a node of W and (W, p, 3) of those from one, grouped by the name that makes."""
        split: dict[str, _Colour] = {}
        for node in colour.nodes:
            value = colour.value
            for p, other in self.outgoing.get(node, ()):
                if other in members:
                    value += self._hash(f"1 {p} {by.name}")
            for p, other in self.incoming.get(node, ()):
                if other in members:
                    value += self._hash(f"{by.name} {p} 3")
            name = f"{value:x}"
            if name not in split:
                split[name] = _Colour([], value, name)
            split[name].nodes.append(node)
        return list(split.values())

    def refine(self) -> list[_Colour]:
        """``_TripleCanonicalizer._refine(coloring, coloring[:])`` on the initial colouring, its
        colours of one name merged.

        rdflib distinguishes every colour of blank nodes by each colour W it takes from the
        sequence, in the order of its list, each replaced at the end of the list by its parts.
        A colour none of whose nodes is beside a node of W comes out whole, under its name: the
        same colour, moved to the end with all the others, so their order holds. Only the
        colours beside W are distinguished here, in that order (``place``)."""
        colour_of: dict[OxTerm, _Colour] = {node: self.blank for node in self.blank.nodes}
        alike = 1 if len(self.blank.nodes) > 1 else 0          # colours of more than one node
        sequence = sorted([self.blank, *self.others], key=_Colour.key, reverse=True)
        while sequence and alike:
            by = sequence.pop()
            members = set(by.nodes)
            beside = {colour_of[node] for member in by.nodes for node in self.neighbours.get(member, ())}
            for colour in sorted(beside, key=lambda c: c.place):
                colours = sorted(self._distinguish(colour, by, members), key=_Colour.key, reverse=True)
                for i, part in enumerate(colours):
                    part.place = (*colour.place, i)
                    for node in part.nodes:
                        colour_of[node] = part
                alike += sum(len(part.nodes) > 1 for part in colours) - (len(colour.nodes) > 1)
                at = next((i for i, c in enumerate(sequence) if c is colour), None)
                if at is None:
                    sequence = colours[1:] + sequence
                else:
                    sequence = sequence[:at] + colours + sequence[at + 1:]
        combined: dict[str, _Colour] = {}
        for colour in sorted(set(colour_of.values()), key=lambda c: c.place):
            if colour.name in combined:
                combined[colour.name].nodes.extend(colour.nodes)
            else:
                combined[colour.name] = colour
        return list(combined.values())


def canonical_labels(triples: list[ox.Triple], n3: Callable[[OxTerm], str]) -> dict[ox.BlankNode, ox.BlankNode] | None:
    """The label rdflib's ``to_canonical_graph`` gives each blank node of ``triples`` (``cb`` and
    a hexadecimal hash), or None when refinement leaves nodes alike and rdflib's search is needed.
    ``n3`` gives a term's N3 text as rdflib writes it (of the term rdflib reads it as)."""
    colours = _Refinement(triples, n3).refine()
    if any(len(c.nodes) > 1 for c in colours):
        return None
    return {node: ox.BlankNode(f"cb{c.name}") for c in colours if isinstance(node := c.nodes[0], ox.BlankNode)}
