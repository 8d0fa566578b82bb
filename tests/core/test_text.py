"""core.text: what is kept of the characters people send (issue 14, item 4)."""

import pytest

from core.text import clean_text, xml_safe


@pytest.mark.parametrize(
    "raw, single_line, kept",
    [
        ("Night\x1b buses\x0b", True, "Night buses"),
        ("a\x00b\x07c\x7fd\x85e\x9f", False, "abcde"),  # C0, DEL and C1 controls
        ("line one\r\nline two\rthree\n\tindented", False, "line one\nline two\nthree\n\tindented"),
        ("title on\ntwo lines\tand a tab", True, "title on two lines and a tab"),
        ("lone \ud800 surrogate \udfff", False, "lone  surrogate "),
        ("not\ufffe characters\uffff", False, "not characters"),
        ("e\u0301te\u0301", False, "été"),  # decomposed accents -> one character each (NFC)
        # Right-to-left marks and the zero-width joiner inside an emoji carry meaning: kept.
        (
            "\u200fالقاهرة\u200e Cairo 👩\u200d👩\u200d👧",
            True,
            "\u200fالقاهرة\u200e Cairo 👩\u200d👩\u200d👧",
        ),
    ],
)
def test_clean_text(raw, single_line, kept):
    assert clean_text(raw, single_line=single_line) == kept
    assert clean_text(kept, single_line=single_line) == kept  # idempotent


def test_anything_but_text_is_left_for_validation_to_refuse():
    assert clean_text(None) is None  # type: ignore[arg-type]
    assert clean_text(["a"]) == ["a"]  # type: ignore[arg-type]


def test_xml_safe_keeps_what_xml_allows():
    assert xml_safe("a\x1bb\x0bc\r\n\td\ufffe") == "abc\r\n\td"
