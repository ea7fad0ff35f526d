"""The Excel workbook: the report that leaves the team, made to explain itself to a reader."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from scanner import __version__, changes
from scanner.cells import COVERAGE_COLUMNS, FINDING_COLUMNS, KEY_COLUMNS, safe_text
from scanner.engine import partition
from scanner.records import CoverageStatus, Encryption, Evidence, KeyRow, PolicyStatus
from scanner.reference import DEFAULT_REFERENCE_DIR
from scanner.scan import AccountScan

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

log = logging.getLogger(__name__)

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
MAX_WIDTH = 60

# The workbook: what leaves the team. It must explain itself to a reader who never saw the tool.


@dataclass(frozen=True, slots=True)
class Since:
    """The earlier scan a workbook is compared with, and what changed since."""

    scan_id: str
    found: list[changes.Change]


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    title: str
    meaning: str
    link: str = ""  # "resource", "key" or "change": the cell links to the AWS console


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    purpose: str
    columns: tuple[Column, ...]


MAX_SHEET_TITLE = 31
ILLEGAL_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")
MAX_CELL = 32767
MAX_URL = 2000
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
WIDTH_SAMPLE = 2000  # rows looked at to fit a column's width
LINE_HEIGHT = 15  # points per line of 11-point text
SUMMARY_COLUMNS = 7  # label, five kinds of encryption, total
SUMMARY_LAST = get_column_letter(SUMMARY_COLUMNS)
SUMMARY_WIDTH = 19
MAX_ROW_HEIGHT = 409  # Excel's limit

FONT = "Calibri"  # the Office default; without a name some readers fall back to a serif
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
LINK_FONT = Font(name=FONT, color="0563C1", underline="single")
BOLD = Font(name=FONT, bold=True)
TOP = Alignment(vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")

# Row colours, strongest first: a row that is both unreadable and hidden shows as unreadable.
ROW_FILLS = {
    "unreadable": ("F4B6B6", "Could not be read completely; the error code says why. Not clean."),
    "hidden": ("F8CBAD", "A hidden AWS managed key: in use or described, but not in ListKeys."),
    "differs": ("FFE699", "The key policy differs from every known reference version."),
    "older": ("DDEBF7", "The key policy matches an older reference version."),
    "not scanned": ("E7E6E6", "Not scanned: no collector yet, not offered there, or disabled."),
}
FILLS = {name: PatternFill("solid", fgColor=colour) for name, (colour, _) in ROW_FILLS.items()}

ENCRYPTION_TITLES = {
    Encryption.AWS_MANAGED: "AWS managed",
    Encryption.CUSTOMER_MANAGED: "Customer managed",
    Encryption.AWS_OWNED: "AWS owned",
    Encryption.NOT_ENCRYPTED: "Not encrypted",
    Encryption.UNKNOWN: "Unknown",
}
ENCRYPTION_COLOURS = ("ED7D31", "4472C4", "A5A5A5", "C00000", "7F6000")

CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
# Console pages by (service, resource type); every placeholder is filled URL-quoted.
CONSOLE_PAGES = {
    ("s3", "bucket"): "s3/buckets/{id}?region={region}",
    ("ebs", "volume"): "ec2/home?region={region}#VolumeDetails:volumeId={id}",
    ("ebs", "snapshot"): "ec2/home?region={region}#SnapshotDetails:snapshotId={id}",
    ("ebs", "default_key"): "ec2/home?region={region}#Settings:tab=ebsEncryption",
    ("sqs", "queue"): "sqs/v3/home?region={region}#/queues/{queue_url}",
    ("sns", "topic"): "sns/v3/home?region={region}#/topic/{arn}",
    ("dynamodb", "table"): "dynamodbv2/home?region={region}#table?name={id}",
    ("secretsmanager", "secret"): "secretsmanager/secret?name={id}&region={region}",
    ("lambda", "function"): "lambda/home?region={region}#/functions/{id}",
    ("ssm", "parameter"): "systems-manager/parameters/{id}/description?region={region}",
    ("kinesis", "stream"): "kinesis/home?region={region}#/streams/details/{id}/monitoring",
    ("ecr", "repository"): "ecr/repositories/private/{account}/{id}?region={region}",
    ("elasticfilesystem", "file_system"): "efs/home?region={region}#/file-systems/{id}",
    ("rds", "db_instance"): "rds/home?region={region}#database:id={id};is-cluster=false",
    ("rds", "db_cluster"): "rds/home?region={region}#database:id={id};is-cluster=true",
    ("rds", "db_snapshot"): "rds/home?region={region}#db-snapshot:id={id}",
    ("rds", "db_cluster_snapshot"): "rds/home?region={region}#db-cluster-snapshot:id={id}",
}
# The console's own redirect from an ARN to the resource's page, for every other type.
CONSOLE_BY_ARN = "go/view?arn={arn}"

ENCRYPTION_MEANINGS = {
    Encryption.AWS_MANAGED: "The service's AWS managed key (alias/aws/<service>) protects it; "
    "DescribeKey confirmed KeyManager AWS.",
    Encryption.CUSTOMER_MANAGED: "A KMS key the account manages itself protects it.",
    Encryption.AWS_OWNED: "A key AWS owns and keeps outside the account protects it "
    "(such as SSE-S3 or SSE-SQS); no KMS key of the account is involved.",
    Encryption.NOT_ENCRYPTED: "The service reports no encryption at rest.",
    Encryption.UNKNOWN: "The scan could not tell; the error code says why. Not clean.",
}
EVIDENCE_MEANINGS = {
    Evidence.DESCRIBE_KEY: "The resource names a key id or ARN; DescribeKey resolved it.",
    Evidence.ALIAS: "The resource names an alias; ListAliases gave its key, DescribeKey the rest.",
    Evidence.SERVICE_DEFAULT: "The resource names no key, so the service uses its "
    "alias/aws/<service> key.",
    Evidence.SERVICE_DEFAULT_AMBIGUOUS: "No key named: the service uses an AWS owned or its "
    "AWS managed key, and the API does not say which; decided through the alias.",
    Evidence.SERVICE_DEFAULT_INFERRED: "The API shows no key at all; the service's documented "
    "default key is assumed.",
    Evidence.API_FIELD: "Decided from the service's encryption fields; no KMS key is involved.",
    Evidence.UNRESOLVED: "A key was expected but could not be resolved; see the error code.",
}
POLICY_MEANINGS = {
    PolicyStatus.MATCHES: "The live key policy matches the current reference policy.",
    PolicyStatus.MATCHES_OLDER: "The live key policy matches an older reference version: AWS "
    "has not updated this key yet. Customers cannot edit these policies.",
    PolicyStatus.DIFFERS: "The live key policy differs from every known reference version; "
    "see Policy differences. AWS changed it, or the reference needs a refresh.",
    PolicyStatus.NO_REFERENCE: "The reference has no policy for this alias.",
    PolicyStatus.UNREADABLE: "GetKeyPolicy failed; the error code says why. Not clean.",
    PolicyStatus.NOT_APPLICABLE: "Not an AWS managed key: there is no reference to compare.",
    PolicyStatus.NOT_CHECKED: "The key was never described, so its policy was not read.",
}
COVERAGE_MEANINGS = {
    CoverageStatus.SCANNED: "Every resource listed was read.",
    CoverageStatus.PARTIAL: "Listed, but some resources' details could not be read. Not clean.",
    CoverageStatus.ACCESS_DENIED: "AWS refused the listing; nothing here was seen. Not clean.",
    CoverageStatus.NOT_AVAILABLE: "The service is not offered in this region or account.",
    CoverageStatus.REGION_DISABLED: "The region is not enabled for the account.",
    CoverageStatus.THROTTLED: "AWS throttled the listing past every retry. Not clean.",
    CoverageStatus.ERROR: "The listing failed for another reason; see the error code. Not clean.",
}
SCAN_NOTES = (
    (
        "What this is",
        "Every resource the scan found in one AWS account, which KMS key protects it, and "
        "whether that key is an AWS managed key (alias alias/aws/<service>); the account's "
        "KMS keys; and each AWS managed key's policy compared with a reference copy.",
    ),
    (
        "Read-only",
        "The scan called only read operations (Describe*, Get*, List*) and changed nothing in "
        "the account. It never called DescribeKey with an alias name, because AWS creates an "
        "AWS managed key the first time anything names its alias.",
    ),
    (
        "AWS managed or not",
        "A key is AWS managed only when KMS DescribeKey reports KeyManager AWS; an alias name or "
        "ARN alone decides nothing. Each key reference is first resolved to one key in the "
        "resource's own account and region.",
    ),
    (
        "Unreadable is not clean",
        "When AWS refused or failed a call, the row or the Coverage sheet says so with the AWS "
        "error code. Such a resource is not known to be safe, and the Summary marks the scan "
        "as partial.",
    ),
    (
        "Policy comparison",
        "Each AWS managed key's live policy is compared statement by statement with its "
        "service's reference policy, with the account and region filled in. A known older "
        "version is told apart from a real difference.",
    ),
    ("Yes / No / blank", "Yes and No answer the column's question; blank means not known."),
)

FINDINGS_SHEET = Sheet(
    "Findings",
    "One row per resource, with the key that protects it.",
    (
        Column("account_id", "Account", "The AWS account of the resource."),
        Column("region", "Region", "The AWS region of the resource."),
        Column("service", "Service", "The AWS service, as in alias/aws/<service>."),
        Column("resource_type", "Resource type", "The kind of resource within the service."),
        Column("resource_id", "Resource", "Its name or id; links to its console page.", "resource"),
        Column("resource_arn", "Resource ARN", "Its Amazon Resource Name."),
        Column("encryption", "Encryption", "Which kind of key protects it (Encryption values)."),
        Column(
            "key_reference",
            "Key as configured",
            "The key exactly as the service's API gave "
            "it: id, ARN, alias, or blank when the service default applies.",
        ),
        Column("key_arn", "Key ARN", "The key it resolved to; links to the KMS console.", "key"),
        Column("key_alias", "Key alias", "The key's alias names."),
        Column("key_manager", "Key manager", "AWS or CUSTOMER, as DescribeKey reports it."),
        Column("key_in_list_keys", "Key in ListKeys", "No marks a hidden key."),
        Column("policy_status", "Key policy", "The key policy against the reference."),
        Column("evidence", "Evidence", "How the key was decided (Evidence values)."),
        Column("error_code", "Error code", "The AWS error code of what could not be read."),
        Column("detail", "Detail", "Further facts from the service's API, such as SSE-SQS."),
    ),
)
KEYS_SHEET = Sheet(
    "AWS managed keys",
    "Every KMS key seen, and every alias/aws/* alias whose key AWS has not created yet.",
    (
        Column("account_id", "Account", "The AWS account of the key."),
        Column("region", "Region", "The AWS region of the key."),
        Column("key_alias", "Alias", "The key's alias names."),
        Column("key_id", "Key ID", "The key id; links to the KMS console.", "key"),
        Column("key_arn", "Key ARN", "The key's Amazon Resource Name."),
        Column("key_manager", "Key manager", "AWS or CUSTOMER, as DescribeKey reports it."),
        Column("key_state", "Key state", "Enabled, Disabled, PendingDeletion and so on."),
        Column("key_in_list_keys", "In ListKeys", "Whether ListKeys shows the key."),
        Column(
            "alias_has_target",
            "Alias has a key",
            "No: the alias is listed but AWS has not "
            "created its key, because nothing has used the service's default key yet.",
        ),
        Column("hidden", "Hidden", "Yes: an AWS managed key in use or described, not in ListKeys."),
        Column("resources_using", "Resources using it", "Resources of this scan it protects."),
        Column("policy_status", "Key policy", "The key policy against the reference."),
        Column("live_policy_id", "Live policy version", "The Id of the live key policy."),
        Column("reference_policy_id", "Reference version", "The Id of the reference it matched."),
        Column("policy_differences", "Differences", "Each difference, one per line."),
        Column("via_services", "kms:ViaService", "Services the policy lets use the key."),
        Column("caller_accounts", "kms:CallerAccount", "Accounts the policy lets use the key."),
        Column("direct_principals", "Direct principals", "Principals granted without condition."),
        Column("description", "Description", "The key's description."),
        Column("error_code", "Error code", "The AWS error code of what could not be read."),
    ),
)
DIFFERENCES_SHEET = Sheet(
    "Policy differences",
    "One row per difference between an AWS managed key's policy and the reference.",
    (
        Column("region", "Region", "The AWS region of the key."),
        Column("key_alias", "Alias", "The key's alias names."),
        Column("key_id", "Key ID", "The key id; links to the KMS console.", "key"),
        Column("policy_status", "Key policy", "The key policy against the reference."),
        Column("live_policy_id", "Live policy version", "The Id of the live key policy."),
        Column("reference_policy_id", "Reference version", "The Id of the reference compared."),
        Column("number", "No.", "The difference's number within the key."),
        Column("difference", "Difference", "What differs, in words."),
    ),
)
POLICIES_SHEET = Sheet(
    "Key policies",
    "Each AWS managed key's live policy, one row per statement.",
    (
        Column("region", "Region", "The AWS region of the key."),
        Column("key_alias", "Alias", "The key's alias names."),
        Column("key_id", "Key ID", "The key id; links to the KMS console.", "key"),
        Column("live_policy_id", "Policy version", "The Id of the live key policy."),
        Column("policy_status", "Key policy", "The key policy against the reference."),
        Column("statement", "Statement", "The statement's position in the policy."),
        Column("sid", "Sid", "The statement's own name."),
        Column("effect", "Effect", "Allow or Deny."),
        Column("principal", "Principal", "Who the statement is about (NOT: everyone else)."),
        Column("action", "Action", "The KMS actions (NOT: every other action)."),
        Column("resource", "Resource", "The resources; * is the key itself."),
        Column("condition", "Condition", "Conditions, one per line: operator, key = values."),
    ),
)
COVERAGE_SHEET = Sheet(
    "Coverage",
    "One row per region and service: what the scan could read.",
    (
        Column("account_id", "Account", "The AWS account scanned."),
        Column("region", "Region", "The region; * stands for the whole region."),
        Column("service", "Service", "The service, or kms for the account's key inventory."),
        Column("status", "Status", "What the scan could read (Coverage status values)."),
        Column("error_code", "Error code", "The AWS error code when a listing failed."),
        Column("resources_seen", "Resources seen", "Resources listed there."),
    ),
)
CHANGES_SHEET = Sheet(
    "Changes",
    "What changed since the account's earlier scan in the same reports folder.",
    (
        Column("change", "Change", "What changed (Change values)."),
        Column("region", "Region", "The AWS region."),
        Column("service", "Service", "The service, or kms for a key."),
        Column("item_type", "Type", "The kind of resource, or key."),
        Column("item_id", "Item", "The resource or key; links to the console.", "change"),
        Column("before", "Before", "Encryption and key, or key and policy, in the earlier scan."),
        Column("after", "After", "The same in this scan."),
    ),
)


def _in_csv_order(spec: Sheet, names: list[str]) -> Sheet:
    """The sheet's columns in its CSV's order; a column not described yet shows its field name."""
    described = {column.field: column for column in spec.columns}
    columns = tuple(described.get(name) or Column(name, name, "") for name in names)
    return Sheet(spec.title, spec.purpose, columns)


FINDINGS_SHEET = _in_csv_order(FINDINGS_SHEET, FINDING_COLUMNS)
KEYS_SHEET = _in_csv_order(KEYS_SHEET, KEY_COLUMNS)
COVERAGE_SHEET = _in_csv_order(COVERAGE_SHEET, COVERAGE_COLUMNS)


def sheet_title(wanted: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: legal characters, 31 at most, unique ignoring case."""
    base = ILLEGAL_SHEET_TITLE.sub("_", wanted).strip("'") or "Sheet"
    title, number = base[:MAX_SHEET_TITLE], 1
    while title.lower() in taken:
        number += 1
        suffix = f" ({number})"
        title = base[: MAX_SHEET_TITLE - len(suffix)] + suffix

    taken.add(title.lower())
    return title


def write_workbook(
    scan: AccountScan,
    facts: dict,
    frames: dict[str, pd.DataFrame | Iterable[object]],
    path: Path,
    since: Since | None = None,
) -> None:
    """The auditor's workbook of one account: Summary first, About last.

    frames holds the findings, keys and coverage tables in row order, as data frames or as
    records; the workbook is streamed to disk row by row either way.
    """
    book = Workbook(write_only=True)
    taken: set[str] = set()
    _summary_sheet(book, sheet_title("Summary", taken), scan, facts, since)

    keys = sorted(scan.keys, key=lambda k: (k.region, k.key_alias, k.key_id))
    tabled = [
        (FINDINGS_SHEET, _dicts(frames["findings"], FINDINGS_SHEET), _finding_fill),
        (KEYS_SHEET, _dicts(frames["keys"], KEYS_SHEET), _key_fill),
        (DIFFERENCES_SHEET, (row for key in keys for row in _difference_rows(key)), _policy_fill),
        (POLICIES_SHEET, (row for key in keys for row in _statement_rows(key)), _policy_fill),
        (COVERAGE_SHEET, _dicts(frames["coverage"], COVERAGE_SHEET), _coverage_fill),
    ]
    if since is not None:
        tabled.append((CHANGES_SHEET, _change_rows(since, scan.account_id), _no_fill))

    for spec, rows, fill in tabled:
        _table_sheet(book, sheet_title(spec.title, taken), spec, rows, fill)

    _about_sheet(book, sheet_title("About", taken), [spec for spec, _, _ in tabled])
    book.save(path)


def _dicts(table: pd.DataFrame | Iterable[object], spec: Sheet) -> Iterator[dict]:
    """A table's rows one at a time, as dicts by field name."""
    if isinstance(table, pd.DataFrame):
        yield from table.to_dict("records")
        return

    for item in table:
        yield {column.field: getattr(item, column.field) for column in spec.columns}


# Cells


def _cell(value: object) -> object:
    """A cell value: Yes/No for booleans, UTC datetimes to the second, safe and bounded text."""
    if isinstance(value, bool):
        return "Yes" if value else "No"

    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    if isinstance(value, str):
        value = safe_text(value)
        if len(value) > MAX_CELL:
            return value[: MAX_CELL - 40] + " ... (cut: too long for one cell)"

    return value


def _styled(sheet: WriteOnlyWorksheet, value: object, wrap: bool) -> Cell:
    """A cell of a converted value, top-aligned, wrapped when asked, dates in DATE_FORMAT."""
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, datetime):
        cell.number_format = DATE_FORMAT

    cell.alignment = WRAP if wrap else TOP
    return cell


def _header_cell(sheet: WriteOnlyWorksheet, title: str) -> Cell:
    cell = WriteOnlyCell(sheet, title)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def _width(values: Iterable[object]) -> float:
    """A column's width from its values: the longest line, within bounds."""
    lengths = [
        max(len(line) for line in str(value).split("\n")) for value in values if value is not None
    ]
    # The header holds the filter button too.
    return max(min(max(lengths, default=6) + 3, MAX_WIDTH), 8)


def _line_count(value: object, wrap: bool, width: float) -> int:
    """Lines a wrapped text cell needs in a column of this width."""
    if not isinstance(value, str) or not wrap:
        return 1

    # Text is narrower than the digit '0' that a column's width counts in.
    room = max(int(width * 1.1) - 1, 1)
    return sum(max(1, -(-len(line) // room)) for line in value.split("\n"))


def _print_setup(sheet: WriteOnlyWorksheet, title_rows: str) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows


class _Grid:
    """A small sheet's cells, held until its widths and row heights are known, then streamed.

    The workbook is written row by row to keep memory flat; a sheet whose layout depends on
    all of its cells (merged ranges, fitted widths) is built here first.
    """

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.cells: dict[tuple[int, int], Cell] = {}

    def cell(self, row: int, column: int, value: object = None) -> Cell:
        found = self.cells.get((row, column))
        if found is None:
            found = self.cells[row, column] = WriteOnlyCell(self.sheet)

        if value is not None:
            found.value = value

        return found

    def merge(self, ref: str) -> None:
        self.sheet.merged_cells.add(ref)

    @property
    def max_row(self) -> int:
        return max((row for row, _ in self.cells), default=0)

    @property
    def max_column(self) -> int:
        return max((column for _, column in self.cells), default=0)


def _write_row(grid: _Grid, row: int, values: list[object]) -> None:
    for column, value in enumerate(values, 1):
        value = _cell(value)
        wrap = isinstance(value, str) and "\n" in value
        grid.cells[row, column] = _styled(grid.sheet, value, wrap)


def _header(grid: _Grid, row: int, titles: list[str]) -> None:
    for column, title in enumerate(titles, 1):
        grid.cells[row, column] = _header_cell(grid.sheet, title)


def _fit_widths(grid: _Grid) -> None:
    """Fit each column to its first rows; wrap text too long for the widest column."""
    last_row = min(grid.max_row, 1 + WIDTH_SAMPLE)
    for column in range(1, grid.max_column + 1):
        cells = [grid.cell(row, column) for row in range(1, last_row + 1)]
        width = _width(cell.value for cell in cells)
        grid.sheet.column_dimensions[get_column_letter(column)].width = width
        for cell in cells[1:]:
            if isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH:
                cell.alignment = WRAP


def _flush(grid: _Grid, first_height_row: int) -> None:
    """Give rows with wrapped text their height, then write the grid's rows in order."""
    dimensions = grid.sheet.column_dimensions
    widths = {letter: dimension.width or 8 for letter, dimension in dimensions.items()}
    spans = _merged_widths(grid, widths)
    rows: dict[int, dict[int, Cell]] = {}
    for (row, column), cell in grid.cells.items():
        rows.setdefault(row, {})[column] = cell

    for number in range(1, grid.max_row + 1):
        cells = rows.get(number, {})
        if number >= first_height_row:
            _set_height(grid.sheet, number, _grid_lines(cells, number, spans, widths))

        grid.sheet.append([cells.get(column) for column in range(1, max(cells, default=0) + 1)])


def _grid_lines(cells: dict[int, Cell], number: int, spans: dict, widths: dict) -> int:
    """Lines a grid row's tallest cell needs; a merged cell is as wide as its range."""
    lines = [
        _line_count(
            cell.value,
            bool(cell.alignment.wrap_text),
            spans.get((number, column), widths.get(get_column_letter(column), 8)),
        )
        for column, cell in cells.items()
    ]
    return max(lines, default=1)


def _set_height(sheet: WriteOnlyWorksheet, number: int, lines: int) -> None:
    """Room for every line of a row's wrapped text; not every reader fits rows on open."""
    if lines > 1:
        sheet.row_dimensions[number].height = min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT)


def _merged_widths(grid: _Grid, widths: dict[str, float]) -> dict[tuple[int, int], float]:
    """The width of each merged range, by the row and column of its first cell."""
    return {
        (merged.min_row, merged.min_col): sum(
            widths.get(get_column_letter(n), 8) for n in range(merged.min_col, merged.max_col + 1)
        )
        for merged in grid.sheet.merged_cells.ranges
    }


# Links to the AWS console


def console_url(path: str, region: str) -> str:
    host = CONSOLE_HOSTS.get(partition(region), CONSOLE_HOSTS["aws"])
    url = f"https://{host}/{path}"
    return url if len(url) <= MAX_URL else ""


def resource_url(row: dict) -> str:
    """The console page of a resource, or '' when there is none to link."""
    region, account, name = row["region"], row["account_id"], row["resource_id"]
    page = CONSOLE_PAGES.get((row["service"], row["resource_type"]))
    if page is None:
        if not row.get("resource_arn"):
            return ""
        page = CONSOLE_BY_ARN

    queue_url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
    values = {
        "region": region,
        "account": account,
        "id": name,
        "arn": row.get("resource_arn") or "",
        "queue_url": queue_url,
    }
    return console_url(page.format(**{k: quote(v, safe="") for k, v in values.items()}), region)


def key_url(row: dict) -> str:
    """The KMS console page of a key, or '' when no key is known."""
    reference = row.get("key_arn") or row.get("key_id") or ""
    if not reference or (reference.startswith("arn:") and ":key/" not in reference):
        return ""

    region = reference.split(":")[3] if reference.startswith("arn:") else row["region"]
    kind = "defaultKeys" if row.get("key_manager") == "AWS" else "keys"
    key_id = quote(reference.rsplit("/", 1)[-1], safe="")
    return console_url(f"kms/home?region={quote(region)}#/kms/{kind}/{key_id}", region)


def _link(kind: str, row: dict) -> str:
    if kind == "resource":
        return resource_url(row)

    if kind == "key":
        return key_url(row)

    if row.get("item_type") == "key":
        return key_url({"key_arn": row["item_arn"], "region": row["region"]})

    if row.get("item_id"):
        resource = {"resource_type": row["item_type"], "resource_id": row["item_id"]}
        return resource_url({**row, **resource, "resource_arn": row["item_arn"]})

    return ""


# Table sheets


def _table_sheet(
    book: Workbook, title: str, spec: Sheet, rows: Iterable[dict], fill_of: Callable
) -> WriteOnlyWorksheet:
    """A table, streamed: widths fitted to its first rows, each row written as it comes."""
    sheet = book.create_sheet(title)
    rows = iter(rows)
    sample = [(row, _values(row, spec)) for row in islice(rows, WIDTH_SAMPLE)]
    # Headers are the CSV's column names, so both read alike; the title and meaning ride along.
    header = [column.field for column in spec.columns]
    widths = [
        _width(values) for values in zip(header, *(values for _, values in sample), strict=True)
    ]
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    sheet.freeze_panes = "A2"
    _print_setup(sheet, "1:1")
    sheet.append([_commented(_header_cell(sheet, column.field), column) for column in spec.columns])

    number = 1
    rest = ((row, _values(row, spec)) for row in rows)
    for number, (row, values) in enumerate(chain(sample, rest), 2):
        _append(sheet, number, spec, row, values, widths, fill_of(row))

    sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{max(number, 2)}"
    return sheet


def _values(row: dict, spec: Sheet) -> list[object]:
    return [_cell(row.get(column.field)) for column in spec.columns]


def _commented(cell: Cell, column: Column) -> Cell:
    cell.comment = Comment(f"{column.title}: {column.meaning}", "aws-managed-key-scanner")
    return cell


def _append(
    sheet: WriteOnlyWorksheet,
    number: int,
    spec: Sheet,
    row: dict,
    values: list[object],
    widths: list[float],
    fill: str,
) -> None:
    """One table row: coloured, linked, wrapped, and as tall as its longest text."""
    cells, lines = [], 1
    for column, value, width in zip(spec.columns, values, widths, strict=True):
        wrap = _wraps(value, number)
        cell = _styled(sheet, value, wrap)
        if fill:
            cell.fill = FILLS[fill]

        url = _link(column.link, row) if column.link and value else ""
        if url:
            cell.hyperlink = url
            cell.font = LINK_FONT

        cells.append(cell)
        lines = max(lines, _line_count(value, wrap, width))

    _set_height(sheet, number, lines)
    sheet.append(cells)
    # The row is written; its height is no longer needed in memory.
    sheet.row_dimensions.pop(number, None)


def _wraps(value: object, number: int) -> bool:
    """Wrap text of several lines, and text too long for the widest column in the fitted rows."""
    if not isinstance(value, str):
        return False

    return "\n" in value or (number <= 1 + WIDTH_SAMPLE and len(value) > MAX_WIDTH)


def _finding_fill(row: dict) -> str:
    if row["error_code"] or row["encryption"] == Encryption.UNKNOWN:
        return "unreadable"

    if row["key_in_list_keys"] is False and row["key_manager"] == "AWS":
        return "hidden"

    return _policy_fill(row)


def _key_fill(row: dict) -> str:
    if row["error_code"]:
        return "unreadable"

    if row["hidden"]:
        return "hidden"

    return _policy_fill(row)


def _policy_fill(row: dict) -> str:
    return {
        PolicyStatus.UNREADABLE: "unreadable",
        PolicyStatus.DIFFERS: "differs",
        PolicyStatus.MATCHES_OLDER: "older",
    }.get(row["policy_status"], "")


def _coverage_fill(row: dict) -> str:
    if row["status"] in CoverageStatus.GAPS:
        return "unreadable"

    if row["status"] == CoverageStatus.SCANNED:
        return ""

    return "not scanned"


def _no_fill(row: dict) -> str:
    return ""


def _key_place(key: KeyRow) -> dict:
    return {
        "account_id": key.account_id,
        "region": key.region,
        "key_alias": key.key_alias,
        "key_id": key.key_id,
        "key_arn": key.key_arn,
        "key_manager": key.key_manager,
        "policy_status": key.policy_status,
        "live_policy_id": key.live_policy_id,
        "reference_policy_id": key.reference_policy_id,
    }


def _difference_rows(key: KeyRow) -> list[dict]:
    """One row per difference, and one for a policy that could not be compared at all."""
    texts = [text for text in key.policy_differences.split("\n") if text]
    if key.policy_status == PolicyStatus.UNREADABLE:
        texts = [f"The policy could not be read ({key.error_code or 'no error code'})."]
    elif key.policy_status == PolicyStatus.NO_REFERENCE:
        texts = ["The reference has no policy for this alias: nothing to compare with."]

    return [
        {**_key_place(key), "number": number, "difference": text}
        for number, text in enumerate(texts, 1)
    ]


def _statement_rows(key: KeyRow) -> list[dict]:
    """A key's live policy, one row per statement, each part in readable lines."""
    if not key.policy_json:
        if key.key_manager != "AWS" or key.policy_status == PolicyStatus.NOT_APPLICABLE:
            return []
        reason = f"The policy could not be read ({key.error_code or key.policy_status})."
        return [{**_key_place(key), "condition": reason}]

    statements = json.loads(key.policy_json).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]

    return [
        {**_key_place(key), "statement": number, **_statement_parts(statement)}
        for number, statement in enumerate(statements, 1)
    ]


def _statement_parts(statement: dict) -> dict:
    return {
        "sid": str(statement.get("Sid", "")),
        "effect": str(statement.get("Effect", "")),
        "principal": _either(statement, "Principal"),
        "action": _either(statement, "Action"),
        "resource": _either(statement, "Resource"),
        "condition": _conditions(statement.get("Condition") or {}),
    }


def _either(statement: dict, name: str) -> str:
    if f"Not{name}" in statement:
        return "NOT " + _lines(statement[f"Not{name}"])

    return _lines(statement.get(name, ""))


def _lines(value: object) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{name}: {_joined(inner)}" for name, inner in value.items())

    return _joined(value) if not isinstance(value, list) else "\n".join(map(str, value))


def _joined(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _conditions(block: object) -> str:
    if not isinstance(block, dict):
        return str(block)

    lines = []
    for operator, tests in block.items():
        if not isinstance(tests, dict):
            lines.append(f"{operator} {tests}")
            continue

        lines += [f"{operator} {name} = {_joined(value)}" for name, value in tests.items()]

    return "\n".join(lines)


def _change_rows(since: Since, account_id: str) -> list[dict]:
    rows = [{**asdict(change), "account_id": account_id} for change in since.found]
    if rows:
        return rows

    return [{"change": "none", "after": f"Nothing changed since scan {since.scan_id}."}]


# Summary


def _summary_sheet(
    book: Workbook, title: str, scan: AccountScan, facts: dict, since: Since | None
) -> None:
    """Banner, facts, the resources table, a chart beside it, and the colour legend."""
    sheet = book.create_sheet(title)
    grid = _Grid(sheet)
    _banner(grid, scan, facts)
    _header(grid, 2, ["Fact", "Value"])
    grid.merge(f"B2:{SUMMARY_LAST}2")
    row = _spanning_rows(grid, 3, _fact_rows(scan, facts, since))

    first, last = _service_table(grid, scan, row + 1)
    if last > first:
        _chart(sheet, first, last)

    legend = last + 3
    _header(grid, legend, ["Row colour", "Meaning"])
    grid.merge(f"B{legend}:{SUMMARY_LAST}{legend}")
    _spanning_rows(grid, legend + 1, [(name, meaning) for name, (_, meaning) in ROW_FILLS.items()])
    for number, name in enumerate(ROW_FILLS, legend + 1):
        grid.cell(number, 1).fill = FILLS[name]

    sheet.freeze_panes = "A3"
    _summary_widths(grid)
    _print_setup(sheet, "1:2")
    _flush(grid, first_height_row=3)


def _banner(grid: _Grid, scan: AccountScan, facts: dict) -> None:
    if scan.partial:
        text = (
            f"PARTIAL SCAN: {facts['coverage_gaps']} region and service pairs could not be read "
            "completely. Red rows are not clean; see the Coverage sheet."
        )
        fill, colour = PatternFill("solid", fgColor="C00000"), "FFFFFF"
    else:
        text = "Complete scan: every region and service on the Coverage sheet was read."
        fill, colour = PatternFill("solid", fgColor="C6EFCE"), "006100"

    grid.merge(f"A1:{SUMMARY_LAST}1")
    cell = grid.cell(1, 1)
    cell.value, cell.fill = text, fill
    cell.font = Font(name=FONT, bold=True, color=colour, size=13)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    grid.sheet.row_dimensions[1].height = 36


def _spanning_rows(grid: _Grid, first: int, rows: list[tuple[str, object]]) -> int:
    """Label in column A, value across B to the last summary column; the next free row."""
    for number, (label, value) in enumerate(rows, first):
        _write_row(grid, number, [label, value])
        grid.merge(f"B{number}:{SUMMARY_LAST}{number}")
        cell = grid.cell(number, 2)
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)

    return first + len(rows)


def _summary_widths(grid: _Grid) -> None:
    column = [grid.cells.get((row, 1)) for row in range(2, grid.max_row + 1)]
    labels = [cell.value for cell in column if cell and isinstance(cell.value, str)]
    sheet = grid.sheet
    sheet.column_dimensions["A"].width = min(max(map(len, labels), default=10) + 3, MAX_WIDTH)
    for column in range(2, SUMMARY_COLUMNS + 1):
        sheet.column_dimensions[get_column_letter(column)].width = SUMMARY_WIDTH


def _fact_rows(scan: AccountScan, facts: dict, since: Since | None) -> list[tuple[str, object]]:
    finished = scan.finished or ""
    rows = [
        ("Account ID", scan.account_id),
        ("Account name", getattr(scan, "account_name", "") or "(not read by this scan)"),
        ("Scan status", "PARTIAL" if scan.partial else "Complete"),
        ("Scan ID", facts["scan_id"]),
        ("Scan started (UTC)", scan.started),
        ("Scan finished (UTC)", finished),
        ("Caller identity", scan.caller_arn),
        ("Tool version", __version__),
        ("Reference dataset", reference_version()),
        ("Regions scanned", ", ".join(scan.regions)),
        ("Services scanned", ", ".join(scan.services)),
        ("Resources", facts["resources"]),
        ("Hidden AWS managed keys", facts["hidden_keys"]),
        ("alias/aws/* aliases with no key yet", facts["aliases_not_created"]),
        ("Key policies differing from the reference", facts["policies_differing"]),
        (
            "Key policies at an older reference version",
            _count(scan.keys, PolicyStatus.MATCHES_OLDER),
        ),
        ("Coverage gaps", facts["coverage_gaps"]),
    ]
    if since is not None:
        rows.append((f"Changes since scan {since.scan_id}", len(since.found)))

    return rows


def _count(keys: list[KeyRow], status: str) -> int:
    return sum(1 for key in keys if key.policy_status == status)


def _service_table(grid: _Grid, scan: AccountScan, header: int) -> tuple[int, int]:
    """Resources by service and encryption, with a total row: its header and last service row."""
    counts: dict[str, Counter] = {name: Counter() for name in _scanned_services(scan)}
    for finding in scan.findings:
        counts.setdefault(finding.service, Counter())[finding.encryption] += 1

    kinds = list(ENCRYPTION_TITLES)
    _header(grid, header, ["Service", *ENCRYPTION_TITLES.values(), "Total"])
    for number, service in enumerate(sorted(counts), header + 1):
        tally = counts[service]
        _write_row(grid, number, [service, *(tally[k] for k in kinds), tally.total()])

    last = header + len(counts)
    totals = [sum(c[k] for c in counts.values()) for k in kinds]
    _write_row(grid, last + 1, ["Total", *totals, sum(totals)])
    for column in range(1, SUMMARY_COLUMNS + 1):
        grid.cell(last + 1, column).font = BOLD

    last_column = get_column_letter(len(kinds) + 2)
    grid.sheet.auto_filter.ref = f"A{header}:{last_column}{max(last, header + 1)}"
    return header, last


def _scanned_services(scan: AccountScan) -> set[str]:
    read = {CoverageStatus.SCANNED, CoverageStatus.PARTIAL}
    return {c.service for c in scan.coverage if c.status in read and c.service not in ("kms", "*")}


def _chart(sheet: WriteOnlyWorksheet, header: int, last: int) -> None:
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    chart.title = "Resources by service and encryption"
    chart.y_axis.title = "Resources"
    chart.x_axis.delete = chart.y_axis.delete = False
    # Services top to bottom in the table's order, with the value axis still at the bottom.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"
    columns = len(ENCRYPTION_TITLES)
    data = Reference(sheet, min_col=2, max_col=1 + columns, min_row=header, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
    for series, colour in zip(chart.series, ENCRYPTION_COLOURS, strict=True):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour

    chart.height = max(7.5, 0.5 * (last - header) + 3)
    chart.width = 18
    sheet.add_chart(chart, f"{get_column_letter(SUMMARY_COLUMNS + 2)}{header}")


# About


def reference_version(source: Path = DEFAULT_REFERENCE_DIR / "SOURCE.md") -> str:
    """The reference dataset's source and commit, as its SOURCE.md states them."""
    text = _source_text(source)
    found = re.search(r"repository ([\w.-]+/[\w.-]+).*?commit ([0-9a-f]{7,40}) \(([\d-]+)\)", text)
    if not found:
        return "unknown (no source note beside the reference files)"

    repository, commit, date = found.groups()
    return f"{repository} at commit {commit[:12]} ({date})"


def _source_text(source: Path) -> str:
    try:
        return " ".join(source.read_text(encoding="utf-8").replace("`", "").split())
    except FileNotFoundError:
        return ""


def _source_notes(source: Path = DEFAULT_REFERENCE_DIR / "SOURCE.md") -> list[str]:
    """SOURCE.md's bullet points, each joined onto one line."""
    try:
        lines = source.read_text(encoding="utf-8").replace("`", "").splitlines()
    except FileNotFoundError:
        return []

    notes: list[str] = []
    for line in lines:
        if line.startswith("- "):
            notes.append(line[2:].strip())
        elif notes and line.startswith("  ") and line.strip():
            notes[-1] += " " + line.strip()

    return notes


def about_rows(specs: list[Sheet]) -> list[tuple[str, str, str]]:
    """What the workbook means: (topic, name, meaning) rows."""
    rows = [("Scan", name, meaning) for name, meaning in SCAN_NOTES]
    rows.append(("Reference", "Version", reference_version()))
    rows += [("Reference", f"Source note {n}", note) for n, note in enumerate(_source_notes(), 1)]
    rows.append(("Sheet", "Summary", "Facts of the scan, counts, and a chart by service."))
    rows += [("Sheet", spec.title, spec.purpose) for spec in specs]
    rows.append(("Sheet", "About", "This sheet."))
    rows += [
        (f"{spec.title} column", column.field, f"{column.title}: {column.meaning}")
        for spec in specs
        for column in spec.columns
    ]
    for topic, meanings in (
        ("Encryption value", ENCRYPTION_MEANINGS),
        ("Evidence value", EVIDENCE_MEANINGS),
        ("Key policy value", POLICY_MEANINGS),
        ("Coverage status value", COVERAGE_MEANINGS),
        ("Change value", changes.MEANINGS),
    ):
        rows += [(topic, value, meaning) for value, meaning in meanings.items()]

    rows += [("Row colour", name, meaning) for name, (_, meaning) in ROW_FILLS.items()]
    return rows


def _about_sheet(book: Workbook, title: str, specs: list[Sheet]) -> None:
    sheet = book.create_sheet(title)
    grid = _Grid(sheet)
    _header(grid, 1, ["Topic", "Name", "Meaning"])
    for number, row in enumerate(about_rows(specs), 2):
        _write_row(grid, number, list(row))
        if row[0] == "Row colour":
            grid.cell(number, 2).fill = FILLS[row[1]]

    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:C{grid.max_row}"
    _fit_widths(grid)
    sheet.column_dimensions["C"].width = 100
    for number in range(2, grid.max_row + 1):
        grid.cell(number, 3).alignment = WRAP

    _print_setup(sheet, "1:1")
    _flush(grid, first_height_row=2)
