"""Report: per-account CSV, JSON lines and an Excel workbook, written whole or not at all."""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict
from operator import attrgetter
from pathlib import Path

import pandas as pd

from scanner import __version__, changes, errors
from scanner.cells import COVERAGE_COLUMNS, FINDING_COLUMNS, KEY_COLUMNS, safe_text
from scanner.records import CoverageStatus, Encryption, PolicyStatus
from scanner.scan import AccountScan
from scanner.workbook import Since, write_workbook

log = logging.getLogger(__name__)


def _frame(rows: Iterable[object], columns: list[str]) -> pd.DataFrame:
    records = [{name: getattr(row, name) for name in columns} for row in rows]
    return pd.DataFrame.from_records(records, columns=columns)


def _plain_cell(value: object) -> object:
    """Booleans as true/false, missing as empty, strings made safe: a cell's CSV form."""
    if value is None:
        return ""

    if isinstance(value, bool):
        return "true" if value else "false"

    return safe_text(value)


COLUMNS = {"findings": FINDING_COLUMNS, "keys": KEY_COLUMNS, "coverage": COVERAGE_COLUMNS}


def ordered(scan: AccountScan) -> dict[str, list]:
    """The report's tables as records, in a stable row order."""
    return {
        "findings": sorted(
            scan.findings, key=attrgetter("region", "service", "resource_type", "resource_id")
        ),
        "keys": sorted(scan.keys, key=attrgetter("region", "key_alias", "key_id")),
        "coverage": sorted(scan.coverage, key=attrgetter("region", "service")),
    }


def tables(scan: AccountScan) -> dict[str, pd.DataFrame]:
    """The report's tables as data frames, in the same row order."""
    return {name: _frame(rows, COLUMNS[name]) for name, rows in ordered(scan).items()}


def summary(scan: AccountScan, scan_id: str) -> dict:
    """Headline facts and counts of one account's scan."""
    by_encryption = dict.fromkeys(Encryption.ALL, 0)
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
        "credentials_refused": scan.credentials_refused,
    }


def workbook_name(scan: AccountScan) -> str:
    return f"aws-managed-keys_{scan.account_id}_{scan.started:%Y-%m-%d}.xlsx"


def write_account(scan: AccountScan, scan_id: str, out_dir: Path) -> Path:
    """Write one account's reports under out_dir/scan_id/account_id; return that folder."""
    final = out_dir / scan_id / scan.account_id
    staging = final.with_name(f".{scan.account_id}.partial-{os.getpid()}")
    if final.exists():
        raise FileExistsError(final)

    started = scan.started.isoformat(timespec="seconds")
    earlier = changes.earlier_scan(out_dir, scan.account_id, scan_id, started)
    staging.mkdir(parents=True, exist_ok=False)
    try:
        _write_all(scan, scan_id, staging, earlier)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    log.info("wrote reports for %s to %s", scan.account_id, final)
    return final


def _write_all(scan: AccountScan, scan_id: str, folder: Path, earlier: Path | None) -> None:
    # Rows go to disk one at a time from the records: no copies of the tables in memory.
    records = ordered(scan)
    for name, rows in records.items():
        _write_csv(folder / f"{name}.csv", rows, COLUMNS[name])

    with open(folder / "findings.jsonl", "w", encoding="utf-8") as handle:
        for finding in scan.findings:
            handle.write(json.dumps(asdict(finding), default=str) + "\n")

    facts = summary(scan, scan_id)
    (folder / "summary.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    since = _changes_since(earlier, facts, records) if earlier else None
    write_workbook(scan, facts, records, folder / workbook_name(scan), since)


def _plain_row(row: object, columns: list[str]) -> list[object]:
    return [_plain_cell(getattr(row, name)) for name in columns]


def _write_csv(path: Path, rows: Iterable[object], columns: list[str]) -> None:
    """A table as CSV, written as pandas' to_csv writes it: minimal quoting, LF line ends."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(_plain_row(row, columns) for row in rows)


def _text_frame(rows: Iterable[object], columns: list[str]) -> pd.DataFrame:
    """A table in its CSV form, every cell a string, as it reads back from its file."""
    plain = pd.DataFrame([_plain_row(row, columns) for row in rows], columns=columns)
    return changes.as_text(plain)


def _changes_since(earlier: Path, facts: dict, records: dict[str, list]) -> Since | None:
    try:
        before = changes.load(earlier)
    except errors.UserError as error:
        log.warning("%s: no Changes sheet: %s", facts["account_id"], error)
        return None

    after = changes.ScanTables(
        facts["account_id"],
        facts["scan_id"],
        facts["started_utc"],
        _text_frame(records["findings"], FINDING_COLUMNS),
        _text_frame(records["keys"], KEY_COLUMNS),
    )
    return Since(before.scan_id, changes.compare(before, after))
