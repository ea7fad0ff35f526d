"""The workbook, read back: sheets, headers, styles, filters, dates, links, chart, safety."""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook

from scanner import cells, report, workbook
from scanner.records import (
    Coverage,
    CoverageStatus,
    Encryption,
    Evidence,
    PolicyStatus,
)

SHEETS = [
    "Summary",
    "Findings",
    "AWS managed keys",
    "Policy differences",
    "Key policies",
    "Coverage",
    "About",
]
TABLES = {
    "Findings": (workbook.FINDINGS_SHEET, "findings.csv"),
    "AWS managed keys": (workbook.KEYS_SHEET, "keys.csv"),
    "Coverage": (workbook.COVERAGE_SHEET, "coverage.csv"),
}


@pytest.fixture(scope="module")
def written(sandbox_scan, tmp_path_factory):
    """The sandbox scan's report folder and its workbook, loaded back."""
    result = sandbox_scan["result"]
    folder = report.write_account(result, "scan-1", tmp_path_factory.mktemp("reports"))
    book = load_workbook(folder / report.workbook_name(result))
    return {"result": result, "folder": folder, "book": book}


def _rows(sheet, first: int = 2) -> list[dict]:
    titles = [cell.value for cell in sheet[first - 1]]
    return [dict(zip(titles, row, strict=True)) for row in sheet.iter_rows(first, values_only=True)]


def _csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


def test_sheets_are_named_and_ordered(written):
    assert written["book"].sheetnames == SHEETS


def test_table_sheets_show_every_csv_column_in_order_and_explain_it():
    assert [c.field for c in workbook.FINDINGS_SHEET.columns] == cells.FINDING_COLUMNS
    assert [c.field for c in workbook.KEYS_SHEET.columns] == cells.KEY_COLUMNS
    assert [c.field for c in workbook.COVERAGE_SHEET.columns] == cells.COVERAGE_COLUMNS
    for spec, _ in TABLES.values():
        assert all(column.meaning and column.title != column.field for column in spec.columns)


@pytest.mark.parametrize("name", SHEETS[1:])
def test_every_table_has_a_styled_frozen_filtered_header(written, name):
    sheet = written["book"][name]
    header = sheet[1]
    last = header[-1].column_letter

    assert all(cell.font.bold and _fill(cell) == "1F3864" for cell in header)
    if name != "About":
        assert all(cell.comment is not None and ": " in cell.comment.text for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{last}{max(sheet.max_row, 2)}"
    assert all(sheet.column_dimensions[cell.column_letter].width >= 8 for cell in header)


@pytest.mark.parametrize("name", TABLES)
def test_csv_and_workbook_hold_the_same_rows(written, name):
    spec, file_name = TABLES[name]
    sheet_rows = _rows(written["book"][name])
    csv_rows = _csv(written["folder"] / file_name)
    as_csv = {"Yes": "true", "No": "false", None: ""}

    assert len(sheet_rows) == len(csv_rows) > 0
    for in_sheet, in_csv in zip(sheet_rows, csv_rows, strict=True):
        for column in spec.columns:
            value = in_sheet[column.field]
            assert as_csv.get(value, str(value)) == in_csv[column.field], column.field


def test_numbers_and_booleans_are_typed(written):
    keys = _rows(written["book"]["AWS managed keys"])

    assert all(isinstance(row["resources_using"], int) for row in keys)
    assert {row["hidden"] for row in keys} == {"Yes", "No"}
    assert {row["key_in_list_keys"] for row in keys} <= {"Yes", "No", None}


def test_summary_has_banner_facts_dates_and_counts(written):
    result, sheet = written["result"], written["book"]["Summary"]
    facts = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=3) if row[0].value}
    started = sheet.cell(
        row=[c.value for c in sheet["A"]].index("Scan started (UTC)") + 1, column=2
    )

    assert sheet["A1"].value.startswith("Complete scan")
    assert sheet.freeze_panes == "A3"
    assert [sheet["A2"].value, sheet["B2"].value] == ["Fact", "Value"]
    assert isinstance(started.value, datetime) and "yyyy" in started.number_format
    assert started.value == result.started.replace(tzinfo=None, microsecond=0)
    assert facts["Account ID"] == "123456789012"
    assert facts["Resources"] == len(result.findings)
    assert facts["Hidden AWS managed keys"] == 1
    assert "24dc669fbcbf" in facts["Reference dataset"]


def test_summary_table_counts_resources_by_service_and_encryption(written):
    result, sheet = written["result"], written["book"]["Summary"]
    header = [c.value for c in sheet["A"]].index("Service") + 1
    rows = _rows(sheet, header + 1)
    by_service = {row["Service"]: row for row in rows if row["Service"] not in (None, "Total")}
    total = next(row for row in rows if row["Service"] == "Total")

    assert sheet.auto_filter.ref.startswith(f"A{header}:G")
    assert total["Total"] == len(result.findings)
    s3 = [f for f in result.findings if f.service == "s3"]
    assert by_service["s3"]["Total"] == len(s3)
    assert by_service["s3"]["AWS managed"] == sum(
        f.encryption == Encryption.AWS_MANAGED for f in s3
    )


def test_summary_chart_is_a_stacked_bar_per_service(written):
    sheet = written["book"]["Summary"]
    header = [c.value for c in sheet["A"]].index("Service") + 1
    services = [
        row[0] for row in sheet.iter_rows(header + 1, values_only=True) if row[0] not in (None,)
    ]
    last = header + services.index("Total")

    (chart,) = sheet._charts
    assert (chart.type, chart.grouping) == ("bar", "stacked")
    assert len(chart.series) == len(workbook.ENCRYPTION_TITLES)
    categories = chart.series[0].cat.numRef or chart.series[0].cat.strRef
    assert categories.f == f"'Summary'!$A${header + 1}:$A${last}"
    assert all(s.val.numRef.f.startswith("'Summary'!$") for s in chart.series)


def test_resources_and_keys_link_to_the_console(written):
    rows = written["book"]["Findings"].iter_rows(min_row=2)
    titles = [c.field for c in workbook.FINDINGS_SHEET.columns]
    resource, key = titles.index("resource_id"), titles.index("key_arn")
    links = [(row[resource], row[key]) for row in rows]

    assert all(
        cell.hyperlink.target.startswith("https://console.aws.amazon.com/") for cell, _ in links
    )
    bucket = next(c for c, _ in links if c.value == "sandbox-customer-us-east-1")
    assert bucket.hyperlink.target == (
        "https://console.aws.amazon.com/s3/buckets/sandbox-customer-us-east-1?region=us-east-1"
    )
    keyed = [k for _, k in links if k.value]
    assert keyed and all("/kms/home?region=" in k.hyperlink.target for k in keyed)
    assert all(k.font.underline == "single" for k in keyed)


def test_key_links_tell_aws_managed_from_customer_managed():
    arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    managed = workbook.key_url({"key_arn": arn, "region": "x", "key_manager": "AWS"})
    customer = workbook.key_url({"key_arn": arn, "region": "x", "key_manager": "CUSTOMER"})

    assert managed.endswith("#/kms/defaultKeys/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert customer.endswith("#/kms/keys/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert "region=eu-west-1" in managed
    assert workbook.key_url({"key_arn": "", "key_id": "", "region": "x"}) == ""
    alias_arn = "arn:aws:kms:eu-west-1:123456789012:alias/aws/s3"
    assert workbook.key_url({"key_arn": alias_arn, "region": "eu-west-1"}) == ""


def test_resource_links_quote_values_and_know_the_partition():
    row = {
        "region": "cn-north-1",
        "account_id": "123456789012",
        "service": "newservice",
        "resource_type": "thing",
        "resource_id": "a b",
        "resource_arn": "arn:aws-cn:newservice:cn-north-1:123456789012:thing/a b",
    }

    url = workbook.resource_url(row)
    assert url.startswith("https://console.amazonaws.cn/go/view?arn=arn%3Aaws-cn%3A")
    assert " " not in url
    assert workbook.resource_url({**row, "resource_arn": ""}) == ""


def test_rows_that_need_attention_are_filled(written):
    keys = written["book"]["AWS managed keys"]
    titles = [c.value for c in keys[1]]
    hidden = [r for r in keys.iter_rows(min_row=2) if r[titles.index("hidden")].value == "Yes"]
    older = [
        r
        for r in keys.iter_rows(min_row=2)
        if r[titles.index("policy_status")].value == PolicyStatus.MATCHES_OLDER
    ]
    coverage = written["book"]["Coverage"]
    status = [c.value for c in coverage[1]].index("status")

    assert hidden and all(_fill(cell) == "F8CBAD" for row in hidden for cell in row)
    assert older and all(_fill(cell) == "DDEBF7" for row in older for cell in row)
    for row in coverage.iter_rows(min_row=2):
        wanted = "" if row[status].value == CoverageStatus.SCANNED else "E7E6E6"
        assert _fill(row[0]) == wanted


def test_policy_differences_have_a_row_per_difference(written):
    rows = _rows(written["book"]["Policy differences"])
    key = next(
        k
        for k in written["result"].keys
        if (k.region, k.key_alias) == ("eu-west-1", "alias/aws/sns")
    )

    sns = [row for row in rows if row["key_id"] == key.key_id]
    assert [row["difference"] for row in sns] == key.policy_differences.split("\n")
    assert [row["number"] for row in sns] == list(range(1, len(sns) + 1))
    assert {row["key_id"] for row in rows} == {
        k.key_id for k in written["result"].keys if k.policy_differences
    }


def test_key_policies_have_a_readable_row_per_statement(written):
    rows = _rows(written["book"]["Key policies"])
    managed = [k for k in written["result"].keys if k.policy_json]

    assert len(rows) == sum(len(json.loads(k.policy_json)["Statement"]) for k in managed)
    s3 = next(k for k in managed if (k.region, k.key_alias) == ("us-east-1", "alias/aws/s3"))
    conditions = [row["condition"] for row in rows if row["key_id"] == s3.key_id]
    assert any("kms:CallerAccount = 123456789012" in (text or "") for text in conditions)
    assert any("kms:ViaService = s3.us-east-1.amazonaws.com" in (t or "") for t in conditions)


def test_about_explains_every_column_and_status(written):
    rows = _rows(written["book"]["About"])
    named = {(row["Topic"], row["Name"]) for row in rows}
    statuses = {
        "Encryption value": Encryption,
        "Evidence value": Evidence,
        "Key policy value": PolicyStatus,
        "Coverage status value": CoverageStatus,
    }

    for title in SHEETS[1:-1]:
        spec = next(
            s
            for s in workbook.__dict__.values()
            if isinstance(s, workbook.Sheet) and s.title == title
        )
        assert all((f"{title} column", c.field) in named for c in spec.columns)
    for topic, values in statuses.items():
        constants = [v for k, v in vars(values).items() if k.isupper() and isinstance(v, str)]
        assert all((topic, value) in named for value in constants), topic
    assert ("Scan", "Read-only") in named
    assert any(row["Topic"] == "Reference" and "Apache-2.0" in row["Meaning"] for row in rows)


def test_values_from_aws_cannot_run_as_formulas(sandbox_scan, tmp_path):
    result = sandbox_scan["result"]
    evil = dataclasses.replace(
        result.findings[0], resource_id='=HYPERLINK("http://x","y")', detail="bell\x07here"
    )
    scan = dataclasses.replace(result, findings=[evil, *result.findings[1:]])

    folder = report.write_account(scan, "scan-evil", tmp_path)
    sheet = load_workbook(folder / report.workbook_name(scan))["Findings"]
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]

    assert '\'=HYPERLINK("http://x","y")' in values
    assert "bellhere" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_a_partial_scan_says_so_in_a_red_banner_and_red_rows(sandbox_scan, tmp_path):
    result = sandbox_scan["result"]
    gap = Coverage(
        result.account_id, "eu-west-1", "sqs", CoverageStatus.ACCESS_DENIED, "AccessDenied"
    )
    scan = dataclasses.replace(result, coverage=[*result.coverage, gap])

    folder = report.write_account(scan, "scan-partial", tmp_path)
    book = load_workbook(folder / report.workbook_name(scan))
    denied = [
        row for row in book["Coverage"].iter_rows(min_row=2) if row[4].value == "AccessDenied"
    ]

    assert book["Summary"]["A1"].value.startswith("PARTIAL SCAN")
    assert _fill(book["Summary"]["A1"]) == "C00000"
    assert denied and all(_fill(cell) == "F4B6B6" for cell in denied[0])


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("Findings", set(), "Findings"),
        ("a/b:c*d?e[f]g\\h", set(), "a_b_c_d_e_f_g_h"),
        ("x" * 40, set(), "x" * 31),
        ("Findings", {"findings"}, "Findings (2)"),
        ("y" * 40, {"y" * 31}, "y" * 27 + " (2)"),
        ("'quoted'", set(), "quoted"),
    ],
)
def test_sheet_titles_are_valid_and_unique(wanted, taken, expected):
    title = workbook.sheet_title(wanted, taken)

    assert title == expected
    assert len(title) <= 31
    assert title.lower() in taken
