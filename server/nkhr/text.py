"""Text as people type it: one folding and one tokeniser for search, suggestions and reconciliation.

A reader types "sunghori", "chongjin" or "kim jong un"; the article writes "Sŭnghori",
"Ch'ŏngjin" and "Kim Jong-un". ``fold`` maps both sides to the same plain lower-case form (case
folded, accents and the McCune-Reischauer breves and apostrophes dropped, a few letters that
carry no combining mark spelt out), and ``tokens`` cuts a folded text into words. The build's
search index and every reader of it call these two functions, so a text is folded the same way
when it is indexed and when it is looked for.
"""

from __future__ import annotations

import re
import unicodedata

# Letters whose accent is part of the letter (NFKD does not split them off), and ligatures.
_SPELT_OUT = str.maketrans({
    "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ı": "i", "ħ": "h",
    "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "ð": "d",
})
# Apostrophes inside a word (McCune-Reischauer's aspiration mark in "P'yŏngyang", "Ch'ŏngjin",
# English possessives) are dropped, not treated as a word break: "pyongyang" must match.
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼʻ‘`´](?=\w)")
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """``text`` case-folded, without diacritics or in-word apostrophes: "Ch'ŏngjin" -> "chongjin".

    Word breaks, digits and punctuation other than in-word apostrophes are kept, so the result
    can still be shown, compared whole, or cut into ``tokens``.
    """
    if text.isascii():      # nothing to spell out or decompose: the common case, made cheap
        return _APOSTROPHES.sub("", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELT_OUT))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", plain).casefold().translate(_SPELT_OUT)


def tokens(text: str) -> list[str]:
    """The words of ``text``, folded: "Kim Jong-un's camps" -> ["kim", "jong", "uns", "camps"]."""
    return _WORD.findall(fold(text))


def folded_text(text: str) -> str:
    """The words of ``text`` folded and joined by single spaces: the form the search index stores."""
    return " ".join(tokens(text))


def shorten(text: str, width: int = 160) -> str:
    """``text`` on one line, cut at a word boundary to at most ``width`` characters, with "…" when cut."""
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    cut = line[: width - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–(") + "…"
