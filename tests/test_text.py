"""Folding (nkhr/text.py): ASCII text takes a shortcut, which must fold exactly as the general path."""

from __future__ import annotations

import pytest

from nkhr.text import fold, folded_text

ASCII = ["Kim Jong-un's camps", "CH'ONGJIN", "Yodok (Kwan-li-so No. 15)", "it's `quoted' here", "O'Brien's 2014",
         "' leading and trailing '", "MIXED case_and_underscores", "", "   ", "tab\tand\nnewline"]


@pytest.mark.parametrize("text", ASCII)
def test_ascii_text_folds_as_the_general_path_folds_it(text):
    """A non-ASCII word after a space sends the text through the general path without touching the rest."""
    assert fold(text + " é") == fold(text) + " e"


def test_the_general_path_drops_accents_and_in_word_apostrophes():
    assert fold("Ch'ŏngjin") == "chongjin"
    assert fold("P’yŏngyang") == "pyongyang"
    assert folded_text("Kim Jong-un's camps") == "kim jong uns camps"
