"""ASCII folding: accented Latin letters to their ASCII base ("ação" -> "acao"), as Lucene's
ASCIIFoldingFilter and Qdrant's ``ascii_folding``. Letters of other scripts are kept."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Latin letters that do not decompose into a base letter and marks
_SPECIAL = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "TH",
    "ł": "l",
    "Ł": "L",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
    "ŧ": "t",
    "Ŧ": "T",
    "ŋ": "n",
    "Ŋ": "N",
    "ĸ": "q",
    "ſ": "s",
    "ƒ": "f",
    "ĳ": "ij",
    "Ĳ": "IJ",
}


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    special = _SPECIAL.get(ch)
    if special is not None:
        return special
    if not unicodedata.name(ch, "").startswith("LATIN"):
        return ch
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base.isascii() and base else ch


def fold_to_ascii(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c if c.isascii() else _fold_char(c) for c in text)
