"""Report columns, and cell text that is safe in a CSV or a spreadsheet whatever AWS returns."""

from __future__ import annotations

import re
from dataclasses import fields

from scanner.records import Coverage, Finding, KeyRow

FINDING_COLUMNS = [f.name for f in fields(Finding)]
KEY_COLUMNS = [f.name for f in fields(KeyRow) if f.name != "policy_json"]
COVERAGE_COLUMNS = [f.name for f in fields(Coverage)]

# A cell starting with one of these runs as a formula in a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: object) -> object:
    """A string that cannot run as a formula and holds nothing illegal in XLSX."""
    if not isinstance(value, str):
        return value

    value = ILLEGAL_XLSX.sub("", value)
    if value.startswith(FORMULA_START):
        return "'" + value

    return value
