"""The CLI end to end: `scan --sandbox` as a user runs it, and what it leaves on disk."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scanner.cells import COVERAGE_COLUMNS, FINDING_COLUMNS, KEY_COLUMNS

REQUIRED_FINDINGS = [
    "account_id",
    "region",
    "service",
    "resource_type",
    "resource_id",
    "resource_arn",
    "encryption",
    "key_reference",
    "key_arn",
    "key_alias",
    "key_manager",
    "key_in_list_keys",
    "policy_status",
    "evidence",
    "error_code",
]
REQUIRED_KEYS = [
    "account_id",
    "region",
    "key_alias",
    "key_id",
    "key_arn",
    "key_manager",
    "key_state",
    "key_in_list_keys",
    "alias_has_target",
    "resources_using",
    "policy_status",
    "live_policy_id",
    "reference_policy_id",
    "policy_differences",
]
REQUIRED_COVERAGE = ["account_id", "region", "service", "status", "error_code", "resources_seen"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def sandbox_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = _run(
        "scan",
        "--sandbox",
        "-r",
        "us-east-1",
        "-r",
        "eu-west-1",
        "--out",
        str(out),
        "--quiet",
        cwd=out,
    )
    return result, out


def test_scan_sandbox_exits_ok_and_prints_the_report_folder(sandbox_run):
    result, out = sandbox_run

    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip())
    assert folder.parent.parent == out
    assert folder.name == "123456789012"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "coverage.csv",
            "findings.csv",
            "findings.jsonl",
            "keys.csv",
            "summary.json",
            f"aws-managed-keys_123456789012_{folder.parent.name[:4]}-"
            f"{folder.parent.name[4:6]}-{folder.parent.name[6:8]}.xlsx",
        ]
    )
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def _header(path: Path) -> list[str]:
    with open(path, newline="") as handle:
        return next(csv.reader(handle))


def test_csv_columns_are_pinned(sandbox_run):
    folder = Path(sandbox_run[0].stdout.strip())

    assert _header(folder / "findings.csv") == FINDING_COLUMNS
    assert _header(folder / "keys.csv") == KEY_COLUMNS
    assert _header(folder / "coverage.csv") == COVERAGE_COLUMNS
    assert FINDING_COLUMNS[: len(REQUIRED_FINDINGS)] == REQUIRED_FINDINGS
    assert KEY_COLUMNS[: len(REQUIRED_KEYS)] == REQUIRED_KEYS
    assert COVERAGE_COLUMNS == REQUIRED_COVERAGE


def test_workbook_holds_the_same_tables(sandbox_run):
    folder = Path(sandbox_run[0].stdout.strip())
    workbook = load_workbook(next(folder.glob("*.xlsx")), read_only=True)

    sheets = {name: list(workbook[name].values) for name in workbook.sheetnames}
    assert {"Summary", "Findings", "AWS managed keys", "Coverage"} <= set(sheets)
    assert list(sheets["Findings"][0]) == FINDING_COLUMNS
    assert list(sheets["AWS managed keys"][0])[: len(REQUIRED_KEYS)] == REQUIRED_KEYS
    assert list(sheets["Coverage"][0]) == COVERAGE_COLUMNS
    with open(folder / "findings.csv", newline="") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    with open(Path(__file__).parent / "data" / "sandbox_findings.csv", newline="") as handle:
        assert len(sheets["Findings"]) - 1 == rows == sum(1 for _ in csv.DictReader(handle))


def test_sandbox_run_leaves_the_callers_environment_alone(sandbox_run, tmp_path):
    result = _run("scan", "--out", str(tmp_path), "-r", "us-east-1", "--quiet", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no AWS credentials found: pass --profile, set AWS credentials, or use --sandbox"
    ]
    assert list(tmp_path.iterdir()) == []


def test_services_lists_all_39(tmp_path):
    result = _run("services", cwd=tmp_path)

    assert result.returncode == 0
    assert sum(1 for line in result.stdout.splitlines() if "alias/aws/" in line) == 39
