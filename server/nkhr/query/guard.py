"""Checks on a query before any engine sees it: read-only, no outside data, bounded shape.

The engines do things a public endpoint must not: rdflib fetches ``FROM <http://…>`` and
``file://`` graphs, pyoxigraph and SPARQL stores send ``SERVICE`` requests, and a query nested a
few thousand groups deep, or chaining a thousand UNIONs, MINUS groups or BINDs, crashes the
process that evaluates it (the Oxigraph server aborts on 2,000 UNIONs, 700 MINUS or BINDs,
1,000 path steps). A small SPARQL tokenizer (strings, IRIs, comments, variables, numbers and
prefixed names are told apart, so ``?service`` or ``"FROM"`` do not trip it) finds the keywords
that matter and counts the structure without a full parse.

A tokenizer is only safe if it reads the text exactly as the engine does, so the guard refuses
whatever it cannot read with certainty:

* Codepoint escapes (``\\u0041``, ``\\U00000041``, SPARQL 1.1 section 19.2). The specification
  replaces them before tokenising; Oxigraph instead decodes them inside IRIs and strings only
  (``"a\\u0022"`` is the string ``a"``, ``SEL\\u0045CT`` is an error). Either reading is the same
  when the escape stands for a character that is never SPARQL syntax, so escapes of non-ASCII
  characters are decoded (``\\uC870`` is 조) and escapes of ASCII characters, lone surrogates and
  codepoints past U+10FFFF are refused: ``<http://x/\\u0041#>`` once hid a SERVICE call behind
  what the guard took for a comment.
* ``<`` right after a value inside an expression, which the engine may read as "less than"
  although it looks like the start of an IRI: ``FILTER(1<'>') SERVICE <…>`` once hid a SERVICE
  call in what the guard took for a string. There, an IRI whose text holds ``'``, ``#``, ``(``
  or ``)`` (the characters that would make the two readings part) is refused.

Why a tokenizer and not the engine's own parse: pyoxigraph 0.5 exposes no parsed query (there is
no ``pyoxigraph.Query``), and rdflib's full parser takes a median of 0.1 s per catalog query
(this guard: 0.4 ms), is not thread-safe and recurses once per level, which a web worker cannot
afford on every request. So embedded mode relies on this guard and, behind it, on the kernel (a
query process cannot open a socket: sandbox.py); store mode, where the store would make the call,
adds a full second reading in sandboxed processes (remote/barrier.py).
tests/query/test_guard.py fuzzes the guard against both parsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_QUERY_LENGTH = 100_000          # characters
MAX_NESTING = 64                    # depth of { }, ( ) and [ ] together
# Bounds on the query's structure, well below what crashes a store (measured on the Oxigraph
# server 0.5: 2,000 UNIONs, 700 MINUS or BIND, 1,000 path steps, 2,000 "+" or triple patterns)
# and far above what the catalog's queries use (see tests/query/test_guard.py).
MAX_GROUP_OPERATORS = 200           # UNION, MINUS, OPTIONAL, BIND, FILTER, GRAPH, VALUES, EXISTS, sub-SELECT
MAX_OPERATORS = 400                 # expression and property-path operators: || && ! = < + - * / | ^ ...
MAX_TRIPLE_PATTERNS = 500           # triple patterns and their . ; , separators, within groups

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
GROUP_OPERATORS = {"UNION", "MINUS", "OPTIONAL", "BIND", "FILTER", "GRAPH", "VALUES", "EXISTS", "SELECT"}
OPERATOR_CHARACTERS = set("|&!=<>+-*/^?")

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
  | (?P<pname>(?:[A-Za-z][\w.\-]{0,63})?:(?:[\w.\-:%]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<space>[ \t\r\n]+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PARTING = re.compile(r"['#()]")        # what makes "<" as an IRI and "<" as less-than read apart


class QueryRefused(ValueError):
    """The query asks for something this endpoint does not do. ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


@dataclass
class Token:
    kind: str
    text: str
    start: int = 0          # where it starts in the query (after escapes are decoded)


@dataclass
class QueryShape:
    """What the guard learnt of a query: its form and the dataset it names."""
    form: str                                   # SELECT, ASK, CONSTRUCT, DESCRIBE
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)


def _line_of(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def decode_escapes(text: str) -> str:
    """The query with its codepoint escapes of non-ASCII characters decoded; QueryRefused at any
    other escape, since engines do not all read those alike (see the module's docstring)."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        where = f"on line {_line_of(text, match.start())}"
        if code < 0x80:
            raise QueryRefused(f"The query writes the character {chr(code)!r} as the escape {match.group()} "
                               f"{where}; this endpoint reads escapes only for characters beyond ASCII. "
                               "Write the character itself (in a string, \\\" or \\' for a quote).")
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise QueryRefused(f"The escape {match.group()} {where} is not a Unicode character.")
        return chr(code)

    return _ESCAPE.sub(decode, text)


def tokenize(text: str) -> list[Token]:
    """The query's tokens, comments and spaces left out, codepoint escapes decoded;
    QueryRefused at a string never closed or an escape the guard does not read."""
    text = decode_escapes(text)
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        if kind in ("unclosed", "unclosed_long"):
            raise QueryRefused(f"The query is not valid SPARQL: the string opened with {match.group()} "
                               f"on line {_line_of(text, match.start())} is never closed.")
        tokens.append(Token("string" if kind == "long_string" else kind, match.group(), match.start()))
    return tokens


def _expand(token: Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def _ends_a_value(token: Token | None) -> bool:
    """Whether "<" after this token could be the less-than operator (when inside an expression).
    Anything not known to expect a value next counts as ending one, the safe side: so do ``<``
    and ``>`` themselves, since ``)>>`` ends an RDF 1.2 triple term."""
    if token is None:
        return False
    if token.kind == "open" and token.text == "(":
        return False
    if token.kind == "other" and token.text in OPERATOR_CHARACTERS - {"<", ">"} | {","}:
        return False
    return not (token.kind == "word" and token.text.upper() == "DISTINCT")


class _Shape:
    """The running count of the query's structure, refusing as soon as a bound is passed."""

    def __init__(self) -> None:
        self.group_operators = 0
        self.operators = 0
        self.triple_patterns = 0

    def add_group_operator(self, word: str) -> None:
        self.group_operators += 1
        if self.group_operators > MAX_GROUP_OPERATORS:
            raise QueryRefused(f"The query combines more than {MAX_GROUP_OPERATORS} graph patterns (UNION, MINUS, "
                               "OPTIONAL, BIND, FILTER, GRAPH, VALUES, EXISTS, sub-queries; the last was "
                               f"{word}); this endpoint does not evaluate queries that large. Split it, or use "
                               "VALUES for a list of alternatives.", status=413)

    def add_operator(self) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise QueryRefused(f"The query has more than {MAX_OPERATORS} operators in its expressions and property "
                               "paths; this endpoint does not evaluate queries that large. Split it, or use "
                               "IN (...) or VALUES for a list of alternatives.", status=413)

    def add_triple_pattern(self) -> None:
        self.triple_patterns += 1
        if self.triple_patterns > MAX_TRIPLE_PATTERNS:
            raise QueryRefused(f"The query has more than {MAX_TRIPLE_PATTERNS} triple patterns; this endpoint "
                               "does not evaluate queries that large.", status=413)


# The verdicts on recent query texts that passed, per worker: the guard is a pure function of the
# text and the dataset's graphs, and reading a catalog query again cost 0.2-0.4 ms of its time in
# the web worker. Only texts up to KEPT_UP_TO characters are kept (a few MB at most); a refused
# text is read again every time, so a refusal never depends on what was sent before.
KEPT = 512
KEPT_UP_TO = 4096


def inspect(text: str, allowed_graphs: set[str]) -> QueryShape:
    """Return the query's shape, or raise QueryRefused saying why it will not be run."""
    if len(text) > KEPT_UP_TO:
        return _inspect(text, allowed_graphs)
    form, from_graphs, from_named_graphs = _inspect_kept(text, frozenset(allowed_graphs))
    return QueryShape(form, list(from_graphs), list(from_named_graphs))     # the caller's own copy


@lru_cache(maxsize=KEPT)
def _inspect_kept(text: str, allowed_graphs: frozenset[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    shape = _inspect(text, set(allowed_graphs))
    return shape.form, tuple(shape.from_graphs), tuple(shape.from_named_graphs)


def _inspect(text: str, allowed_graphs: set[str]) -> QueryShape:
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryRefused(f"The query is {len(text):,} characters long; this endpoint accepts at most "
                           f"{MAX_QUERY_LENGTH:,}.", status=413)
    tokens = tokenize(text)
    decoded = decode_escapes(text)
    prefixes: dict[str, str] = {}
    shape = None
    counts = _Shape()
    # The open brackets: "{" a group, "[" a blank node, "values" the data of a VALUES block,
    # "(" inside it a row ("terms"), any other "(" an expression ("expr"; a collection in a
    # triple pattern is taken for one too, the safe side). Outside any bracket is "top", where
    # "<" can only start an IRI.
    brackets: list[str] = []
    previous: Token | None = None
    values_block = False            # after VALUES, until its "{"
    for index, token in enumerate(tokens):
        context = brackets[-1] if brackets else "top"
        if token.kind == "open":
            if token.text == "(":
                brackets.append("terms" if context == "values" else "expr")
            elif token.text == "{" and values_block:
                brackets.append("values")
            else:
                brackets.append(token.text)
            if len(brackets) > MAX_NESTING:
                raise QueryRefused(f"The query nests groups and expressions more than {MAX_NESTING} deep; "
                                   "this endpoint does not evaluate queries that deep.")
        elif token.kind == "close":
            if brackets:
                brackets.pop()
        elif token.kind == "iri":
            if context == "expr" and _ends_a_value(previous) and _PARTING.search(token.text):
                raise QueryRefused(
                    f"On line {_line_of(decoded, token.start)}, {token.text} follows a value inside an "
                    "expression, where \"<\" may be read as \"less than\" as well as the start of an IRI, "
                    "and its ' # ( or ) would make the two readings differ; this endpoint does not run "
                    "queries it cannot read with certainty. Put spaces around a comparison, or write the "
                    "IRI as a prefixed name.")
        elif token.kind == "other":
            datatype = token.text == "^" and previous is not None and (
                previous.kind == "string" or previous.text == "^")          # the ^^ of "1"^^xsd:int
            if token.text in OPERATOR_CHARACTERS and not datatype:
                counts.add_operator()
            elif token.text in ".;," and context in ("{", "["):
                counts.add_triple_pattern()
        elif token.kind == "word":
            _check_word(token, tokens, index, prefixes, counts, shape, allowed_graphs)
            if token.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") and shape is None:
                shape = QueryShape(form=token.text.upper())
            elif token.text.upper() == "FROM" and shape is not None:
                _add_from(shape, tokens, index, prefixes, allowed_graphs)
        if token.kind == "word" and token.text.upper() == "VALUES":
            values_block = True
        elif values_block and not (token.kind == "var" or token.text in "()"):
            values_block = False
        previous = token
    if shape is None:
        raise QueryRefused("No query form found: a query starts (after PREFIX and BASE) with SELECT, "
                           "ASK, CONSTRUCT or DESCRIBE.")
    return shape


def _check_word(token: Token, tokens: list[Token], index: int, prefixes: dict[str, str], counts: _Shape,
                shape: QueryShape | None, allowed_graphs: set[str]) -> None:
    word = token.text.upper()
    following = tokens[index + 1:index + 3]
    if word == "PREFIX" and len(following) >= 2 and following[1].kind == "iri":
        prefixes[following[0].text.rstrip(":")] = following[1].text[1:-1]
    elif word in UPDATE_KEYWORDS and shape is None:
        raise QueryRefused("This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, "
                           "DROP, CREATE, ...) is not served.", status=403)
    elif word == "SERVICE":
        raise QueryRefused("Federated queries (SERVICE) are not allowed: this endpoint queries only "
                           "its own dataset and never contacts other servers.")
    elif word in GROUP_OPERATORS and (word != "SELECT" or shape is not None):
        counts.add_group_operator(word)
    elif word == "IN":
        counts.add_operator()


def _add_from(shape: QueryShape, tokens: list[Token], index: int, prefixes: dict[str, str],
              allowed_graphs: set[str]) -> None:
    following = tokens[index + 1:index + 3]
    named = bool(following) and following[0].kind == "word" and following[0].text.upper() == "NAMED"
    target_token = following[1] if named and len(following) > 1 else (following[0] if following else None)
    target = _expand(target_token, prefixes) if target_token else None
    if target is None or target not in allowed_graphs:
        raise QueryRefused(
            f"FROM{' NAMED' if named else ''} may only name this dataset's graphs "
            f"({', '.join(sorted(allowed_graphs))}); this endpoint never loads other graphs.")
    (shape.from_named_graphs if named else shape.from_graphs).append(target)


def check_dataset_parameters(default_graphs: list[str], named_graphs: list[str], allowed_graphs: set[str]) -> None:
    """The protocol's default-graph-uri / named-graph-uri may only name our own graphs."""
    strangers = [g for g in (*default_graphs, *named_graphs) if g not in allowed_graphs]
    if strangers:
        raise QueryRefused(f"default-graph-uri / named-graph-uri name graphs this dataset does not hold "
                           f"({', '.join(strangers)}); this endpoint never loads other graphs.")
