"""Report: per-account CSV, JSON lines and an Excel workbook, written whole or not at all."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scanner import __version__
from scanner.records import Coverage, CoverageStatus, Encryption, Finding, KeyRow, PolicyStatus
from scanner.scan import AccountScan

log = logging.getLogger(__name__)

FINDING_COLUMNS = [f.name for f in fields(Finding)]
KEY_COLUMNS = [f.name for f in fields(KeyRow) if f.name != "policy_json"]
COVERAGE_COLUMNS = [f.name for f in fields(Coverage)]

# A cell starting with one of these runs as a formula in a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
WARN_FILL = PatternFill("solid", fgColor="FCE4D6")
MAX_WIDTH = 60


def safe_text(value: object) -> object:
    """A string that cannot run as a formula and holds nothing illegal in XLSX."""
    if not isinstance(value, str):
        return value

    value = ILLEGAL_XLSX.sub("", value)
    if value.startswith(FORMULA_START):
        return "'" + value

    return value


def _frame(rows: Iterable[object], columns: list[str]) -> pd.DataFrame:
    records = [{name: getattr(row, name) for name in columns} for row in rows]
    return pd.DataFrame.from_records(records, columns=columns)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as true/false, missing as empty, strings made safe: the CSV form."""
    return frame.map(_plain_cell)


def _plain_cell(value: object) -> object:
    if value is None:
        return ""

    if isinstance(value, bool):
        return "true" if value else "false"

    return safe_text(value)


def _readable_cell(value: object) -> object:
    if isinstance(value, bool):
        return "Yes" if value else "No"

    return _plain_cell(value)


def tables(scan: AccountScan) -> dict[str, pd.DataFrame]:
    """The report's tables, in a stable row order."""
    findings = _frame(scan.findings, FINDING_COLUMNS).sort_values(
        ["region", "service", "resource_type", "resource_id"], kind="stable"
    )
    keys = _frame(scan.keys, KEY_COLUMNS).sort_values(["region", "key_alias", "key_id"])
    coverage = _frame(scan.coverage, COVERAGE_COLUMNS).sort_values(["region", "service"])
    return {
        "findings": findings.reset_index(drop=True),
        "keys": keys.reset_index(drop=True),
        "coverage": coverage.reset_index(drop=True),
    }


def summary(scan: AccountScan, scan_id: str) -> dict:
    """Headline facts and counts of one account's scan."""
    by_encryption = {value: 0 for value in vars(Encryption).values() if isinstance(value, str)}
    for finding in scan.findings:
        by_encryption[finding.encryption] = by_encryption.get(finding.encryption, 0) + 1

    gaps = [c for c in scan.coverage if c.status in CoverageStatus.GAPS]
    return {
        "account_id": scan.account_id,
        "scan_id": scan_id,
        "tool_version": __version__,
        "caller_arn": scan.caller_arn,
        "started_utc": scan.started.isoformat(timespec="seconds"),
        "finished_utc": scan.finished.isoformat(timespec="seconds") if scan.finished else "",
        "status": "PARTIAL" if scan.partial else "OK",
        "regions": scan.regions,
        "services": scan.services,
        "resources": len(scan.findings),
        "by_encryption": by_encryption,
        "hidden_keys": sum(1 for k in scan.keys if k.hidden),
        "aliases_not_created": sum(1 for k in scan.keys if k.alias_has_target is False),
        "policies_differing": sum(1 for k in scan.keys if k.policy_status == PolicyStatus.DIFFERS),
        "coverage_gaps": len(gaps),
        "services_not_supported": sorted(
            {c.service for c in scan.coverage if c.status == CoverageStatus.NOT_SUPPORTED}
        ),
    }


def workbook_name(scan: AccountScan) -> str:
    return f"aws-managed-keys_{scan.account_id}_{scan.started:%Y-%m-%d}.xlsx"


def write_account(scan: AccountScan, scan_id: str, out_dir: Path) -> Path:
    """Write one account's reports under out_dir/scan_id/account_id; return that folder."""
    final = out_dir / scan_id / scan.account_id
    staging = final.with_name(f".{scan.account_id}.partial-{os.getpid()}")
    if final.exists():
        raise FileExistsError(final)

    staging.mkdir(parents=True, exist_ok=False)
    try:
        _write_all(scan, scan_id, staging)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    log.info("wrote reports for %s to %s", scan.account_id, final)
    return final


def _write_all(scan: AccountScan, scan_id: str, folder: Path) -> None:
    frames = tables(scan)
    for name, frame in frames.items():
        _plain(frame).to_csv(folder / f"{name}.csv", index=False)

    with open(folder / "findings.jsonl", "w", encoding="utf-8") as handle:
        for finding in scan.findings:
            handle.write(json.dumps(asdict(finding), default=str) + "\n")

    facts = summary(scan, scan_id)
    (folder / "summary.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    _write_workbook(facts, frames, folder / workbook_name(scan))


def _write_workbook(facts: dict, frames: dict[str, pd.DataFrame], path: Path) -> None:
    sheets = {"Findings": "findings", "AWS managed keys": "keys", "Coverage": "coverage"}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        _summary_frame(facts).to_excel(writer, sheet_name="Summary", index=False)
        for title, name in sheets.items():
            frames[name].map(_readable_cell).to_excel(writer, sheet_name=title, index=False)

        for sheet in writer.book.worksheets:
            _style(sheet)


def _summary_frame(facts: dict) -> pd.DataFrame:
    rows = [("Scan status", facts["status"])]
    rows += [
        (label, facts[key])
        for label, key in (
            ("Account", "account_id"),
            ("Scan id", "scan_id"),
            ("Started (UTC)", "started_utc"),
            ("Finished (UTC)", "finished_utc"),
            ("Caller", "caller_arn"),
            ("Tool version", "tool_version"),
            ("Resources", "resources"),
            ("Hidden AWS managed keys", "hidden_keys"),
            ("alias/aws/* aliases not created yet", "aliases_not_created"),
            ("Key policies differing from the reference", "policies_differing"),
            ("Coverage gaps", "coverage_gaps"),
        )
    ]
    rows += [(f"Resources: {name}", count) for name, count in facts["by_encryption"].items()]
    rows += [
        ("Regions", ", ".join(facts["regions"])),
        ("Services", ", ".join(facts["services"])),
        ("Services this version cannot scan yet", ", ".join(facts["services_not_supported"])),
    ]
    return pd.DataFrame(
        [(label, _readable_cell(value)) for label, value in rows], columns=["item", "value"]
    )


def _style(sheet: Worksheet) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL

    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions

    for index, column in enumerate(sheet.iter_cols(min_row=1, max_row=min(sheet.max_row, 500)), 1):
        width = max((len(str(cell.value)) for cell in column if cell.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)

    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
