"""Text as it enters the platform: what is kept of the characters people send.

Every free text a user or an import writes (practice text and details, exchange needs and
notes, evaluations) goes through `clean_text` in the dataclass or service that receives it,
so the web forms, the API and the import all store the same thing. What is removed:

- control characters (Unicode category Cc) other than newline and tab: an escape (\\x1b) or a
  vertical tab (\\x0b) is invisible on a page, and XML 1.0 forbids it, so one such title made
  every Atom feed that carried it fail; NUL is refused by PostgreSQL;
- lone surrogates (category Cs), which no encoding can write;
- the two XML non-characters U+FFFE and U+FFFF.

Carriage returns become newlines (\\r\\n from a browser's textarea is one line break), and the
text is put in Unicode normal form C, so that "é" typed as one character or as "e" and an
accent compares and searches alike. Format characters (Cf: the right-to-left marks of Arabic
or Hebrew names, the zero-width joiner inside emoji) are kept: they carry meaning. A
`single_line` text (a title, a summary) also turns newlines and tabs, with the spaces
around them, into one space.

`xml_safe` does the same removal on output, for text stored before this rule existed.
"""

from __future__ import annotations

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n?")
_LINE_BREAKS = re.compile(r"[ \n\t]*[\n\t][ \n\t]*")
_XML_NONCHARACTERS = frozenset("\ufffe\uffff")


def _kept(ch: str, *, keep: frozenset[str]) -> bool:
    if ch in keep:
        return True
    if ch in _XML_NONCHARACTERS:
        return False
    return unicodedata.category(ch) not in ("Cc", "Cs")


_MULTILINE_KEEP = frozenset("\n\t")


def clean_text(value: str, *, single_line: bool = False) -> str:
    """`value` without the characters listed in the module docstring, in NFC. Anything but a
    string is returned as it is, for the validation that follows to refuse it by its type."""
    if not isinstance(value, str):
        return value
    text = _NEWLINES.sub("\n", value)
    text = "".join(ch for ch in text if _kept(ch, keep=_MULTILINE_KEEP))
    if single_line:
        text = _LINE_BREAKS.sub(" ", text)
    return unicodedata.normalize("NFC", text)


def xml_safe(value: str) -> str:
    """`value` with only the characters XML 1.0 allows (newline and tab kept)."""
    return "".join(ch for ch in value if _kept(ch, keep=frozenset("\n\t\r")))
