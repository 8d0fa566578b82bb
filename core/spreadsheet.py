"""Cells of the CSV files people open in a spreadsheet (the API's search export, the
secretariat's figures): text that a spreadsheet would run as a formula (starting with =, +, -,
@, a tab or a carriage return: "CSV injection", OWASP) gets a leading quote, so it is shown as
typed; numbers are left as numbers. The csv module does the quoting of commas, quotes and line
breaks."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Lists become "a; b"; text a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return "" if value is None else value
