"""Checks on a query before any engine sees it: read-only, no outside data, bounded shape.

The engines do things a public endpoint must not: rdflib fetches ``FROM <http://…>`` and
``file://`` graphs, pyoxigraph sends ``SERVICE`` requests, and a query nested a few thousand
groups deep crashes the process that evaluates it. A small SPARQL tokenizer (strings, IRIs,
comments, variables and prefixed names are told apart, so ``?service`` or ``"FROM"`` do not
trip it) finds the keywords that matter without a full parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 100_000          # characters
MAX_NESTING = 64                    # depth of { } and ( ) together

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}

# Every alternative either matches in one pass or fails within a bounded distance, so that
# tokenizing is linear in the length of the query: the guard runs in the web worker, where a
# query of 100,000 characters like "a.a.a.a..." or "'\'\'\'..." used to cost it a minute (a
# prefix or a string was rescanned from every position). A prefix name's prefix is at most
# 64 characters; a quote that opens a string which is never closed (long or short) is an
# "unclosed" token, and the guard stops there: the engine would reject the query anyway.
_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<long_string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
  | (?P<unclosed_long>\"\"\"|''')
  | (?P<string>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<unclosed>["'])
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z][\w.\-]{0,63})?:(?:[\w.\-:%]|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<open>[{(])
  | (?P<close>[})])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


class QueryRefused(ValueError):
    """The query asks for something this endpoint does not do. ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


@dataclass
class Token:
    kind: str
    text: str


@dataclass
class QueryShape:
    """What the guard learnt of a query: its form and the dataset it names."""
    form: str                                   # SELECT, ASK, CONSTRUCT, DESCRIBE
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)


def tokenize(text: str) -> list[Token]:
    """The query's tokens, comments and spaces left out; QueryRefused at a string never closed."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        if kind in ("unclosed", "unclosed_long"):
            line = text.count("\n", 0, match.start()) + 1
            raise QueryRefused(f"The query is not valid SPARQL: the string opened with {match.group()} "
                               f"on line {line} is never closed.")
        tokens.append(Token("string" if kind == "long_string" else kind, match.group()))
    return tokens


def _expand(token: Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def inspect(text: str, allowed_graphs: set[str]) -> QueryShape:
    """Return the query's shape, or raise QueryRefused saying why it will not be run."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryRefused(f"The query is {len(text):,} characters long; this endpoint accepts at most "
                           f"{MAX_QUERY_LENGTH:,}.", status=413)
    tokens = tokenize(text)
    prefixes: dict[str, str] = {}
    shape = None
    depth = deepest = 0
    for index, token in enumerate(tokens):
        if token.kind == "open":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                raise QueryRefused(f"The query nests groups and expressions more than {MAX_NESTING} deep; "
                                   "this endpoint does not evaluate queries that deep.")
            continue
        if token.kind == "close":
            depth -= 1
            continue
        if token.kind != "word":
            continue
        word = token.text.upper()
        following = tokens[index + 1:index + 4]
        if word == "PREFIX" and len(following) >= 2 and following[1].kind == "iri":
            prefixes[following[0].text.rstrip(":")] = following[1].text[1:-1]
        elif word in UPDATE_KEYWORDS and shape is None:
            raise QueryRefused("This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, "
                               "DROP, CREATE, ...) is not served.", status=403)
        elif word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and shape is None:
            shape = QueryShape(form=word)
        elif word == "SERVICE":
            raise QueryRefused("Federated queries (SERVICE) are not allowed: this endpoint queries only "
                               "its own dataset and never contacts other servers.")
        elif word == "FROM" and shape is not None:
            named = bool(following) and following[0].kind == "word" and following[0].text.upper() == "NAMED"
            target_token = following[1] if named and len(following) > 1 else (following[0] if following else None)
            target = _expand(target_token, prefixes) if target_token else None
            if target is None or target not in allowed_graphs:
                raise QueryRefused(
                    f"FROM{' NAMED' if named else ''} may only name this dataset's graphs "
                    f"({', '.join(sorted(allowed_graphs))}); this endpoint never loads other graphs.")
            (shape.from_named_graphs if named else shape.from_graphs).append(target)
    if shape is None:
        raise QueryRefused("No query form found: a query starts (after PREFIX and BASE) with SELECT, "
                           "ASK, CONSTRUCT or DESCRIBE.")
    return shape


def check_dataset_parameters(default_graphs: list[str], named_graphs: list[str], allowed_graphs: set[str]) -> None:
    """The protocol's default-graph-uri / named-graph-uri may only name our own graphs."""
    strangers = [g for g in (*default_graphs, *named_graphs) if g not in allowed_graphs]
    if strangers:
        raise QueryRefused(f"default-graph-uri / named-graph-uri name graphs this dataset does not hold "
                           f"({', '.join(strangers)}); this endpoint never loads other graphs.")
