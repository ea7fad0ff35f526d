"""Changes between two scans: a resource added, one removed, one re-keyed, a key, a policy.

moto keeps one state per process, so a second seeded sandbox cannot start beside the shared
one. These tests run a fresh unseeded sandbox and work in an account of their own (reached by
AssumeRole), which no other test scans.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from scanner import cells, changes, report, sandbox
from scanner.changes import Kind
from scanner.cli import app
from tests.conftest import scan_sandbox

ACCOUNT = "210987654321"
REGION = "eu-west-1"
ROLE = "diff-tests"


class OtherAccount:
    """The sandbox, seen from an account of the tests' own."""

    def __init__(self, box: sandbox.Sandbox, credentials: dict):
        self.box = box
        self.credentials = {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
        }

    def env(self) -> dict[str, str]:
        return {**self.box.env(), **self.credentials}

    def client(self, name: str, region: str = REGION):
        session = boto3.Session(
            aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=self.credentials["AWS_SESSION_TOKEN"],
        )
        return session.client(name, region_name=region, endpoint_url=self.box.endpoint)


@pytest.fixture(scope="module")
def account():
    """A fresh unseeded sandbox, and an account of these tests' own in it."""
    from moto.iam.models import iam_backends

    with sandbox.Sandbox(seed=False) as box:
        # AssumeRole needs the role to exist, and only the account's own IAM could create it.
        iam_backends[ACCOUNT]["global"].create_role(ROLE, "{}", "/", None, "", [], None)
        reply = box.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{ROLE}", RoleSessionName="diff-tests"
        )
        yield OtherAccount(box, reply["Credentials"])


@pytest.fixture(scope="module")
def two_scans(account, dataset, tmp_path_factory):
    """Scan, change the account, scan again; both written to one reports folder."""
    kms, sqs = account.client("kms"), account.client("sqs")
    first_key = kms.create_key(Description="diff tests")["KeyMetadata"]
    kms.create_alias(AliasName="alias/diff-app", TargetKeyId=first_key["KeyId"])
    managed = sandbox.create_managed_key(sandbox._backend(ACCOUNT, REGION), "alias/aws/sqs")
    urls = {
        name: sqs.create_queue(QueueName=name, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})[
            "QueueUrl"
        ]
        for name in ("staying", "leaving", "rekeyed")
    }
    out = tmp_path_factory.mktemp("reports")
    before = scan_sandbox(account, dataset, [REGION], ["sqs"])
    first = report.write_account(before, "scan-a", out)

    second_key = kms.create_key(Description="diff tests, second")["KeyMetadata"]
    kms.create_alias(AliasName="alias/diff-app-2", TargetKeyId=second_key["KeyId"])
    sqs.create_queue(QueueName="arriving")
    sqs.delete_queue(QueueUrl=urls["leaving"])
    sqs.set_queue_attributes(
        QueueUrl=urls["rekeyed"], Attributes={"KmsMasterKeyId": second_key["Arn"]}
    )
    policy = json.loads(managed.policy)
    policy["Statement"].append({"Sid": "Added", "Effect": "Allow", "Principal": {"AWS": "*"}})
    managed.policy = json.dumps(policy)

    after = scan_sandbox(account, dataset, [REGION], ["sqs"])
    second = report.write_account(after, "scan-b", out)
    return {
        "out": out,
        "first": first,
        "second": second,
        "after": after,
        "managed": managed.id,
        "second_key": second_key["KeyId"],
    }


def _summary(found: list[changes.Change]) -> set[tuple[str, str, str]]:
    return {(c.change, c.item_type, c.item_id) for c in found}


def test_a_rescan_lists_what_was_added_removed_and_re_keyed(two_scans):
    found = changes.compare(changes.load(two_scans["first"]), changes.load(two_scans["second"]))

    assert _summary(found) == {
        (Kind.RESOURCE_ADDED, "queue", "arriving"),
        (Kind.RESOURCE_REMOVED, "queue", "leaving"),
        (Kind.RESOURCE_REKEYED, "queue", "rekeyed"),
        (Kind.KEY_ADDED, "key", two_scans["second_key"]),
        (Kind.POLICY_CHANGED, "key", two_scans["managed"]),
    }
    rekeyed = next(c for c in found if c.change == Kind.RESOURCE_REKEYED)
    assert rekeyed.before.startswith("aws_managed alias/aws/sqs")
    assert rekeyed.after.startswith(f"customer_managed alias/diff-app-2 ({two_scans['second_key']}")
    policy = next(c for c in found if c.change == Kind.POLICY_CHANGED)
    assert (policy.before, policy.after) == ("matches (auto-sqs-1)", "differs (auto-sqs-1)")


def test_the_later_workbook_has_a_changes_sheet_and_the_first_none(two_scans):
    name = report.workbook_name(two_scans["after"])
    first = load_workbook(next(two_scans["first"].glob("*.xlsx")))
    second = load_workbook(two_scans["second"] / name)
    rows = list(second["Changes"].iter_rows(min_row=2, values_only=True))
    summary = {row[0]: row[1] for row in second["Summary"].iter_rows(min_row=3, values_only=True)}

    assert "Changes" not in first.sheetnames
    assert second.sheetnames[-2:] == ["Changes", "About"]
    assert {(row[0], row[4]) for row in rows} == {
        (change, item) for change, _, item in _summary(_expected(two_scans))
    }
    assert summary["Changes since scan scan-a"] == 5


def _expected(two_scans) -> list[changes.Change]:
    return changes.compare(changes.load(two_scans["first"]), changes.load(two_scans["second"]))


def test_the_diff_command_takes_scan_ids_or_folders(two_scans):
    runner = CliRunner()
    out = ["--out", str(two_scans["out"])]
    by_id = runner.invoke(app, ["diff", "scan-a", "scan-b", "--jsonl", *out])
    folders = [str(two_scans["first"]), str(two_scans["second"])]
    by_folder = runner.invoke(app, ["diff", *folders, "--jsonl"])
    as_table = runner.invoke(app, ["diff", "scan-a", "scan-b", *out])

    expected = {(c.change, c.item_id) for c in _expected(two_scans)}
    for result in (by_id, by_folder):
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert {(line["change"], line["item_id"]) for line in lines} == expected
        assert {line["account_id"] for line in lines} == {ACCOUNT}
    assert as_table.exit_code == 0
    assert "change" in as_table.stdout and "5 changes in 1 accounts" in as_table.output


def test_the_diff_command_names_a_scan_it_cannot_find(two_scans):
    result = CliRunner().invoke(app, ["diff", "scan-a", "nope", "--out", str(two_scans["out"])])

    assert result.exit_code == 2
    assert "no scan nope" in result.output


def _tables(findings: list[dict], keys: list[dict], scan_id: str) -> changes.ScanTables:
    finding = dict.fromkeys(cells.FINDING_COLUMNS, "")
    key = dict.fromkeys(cells.KEY_COLUMNS, "")
    return changes.ScanTables(
        "123456789012",
        scan_id,
        "",
        pd.DataFrame([{**finding, **row} for row in findings], columns=cells.FINDING_COLUMNS),
        pd.DataFrame([{**key, **row} for row in keys], columns=cells.KEY_COLUMNS),
    )


def test_a_changed_encryption_without_a_key_and_a_removed_key_are_listed():
    bucket = {"region": "us-east-1", "service": "s3", "resource_type": "bucket", "resource_id": "b"}
    key = {"region": "us-east-1", "key_id": "k1", "key_manager": "CUSTOMER"}
    before = _tables([{**bucket, "encryption": "aws_owned"}], [key], "a")
    after = _tables([{**bucket, "encryption": "not_encrypted"}], [], "b")

    found = changes.compare(before, after)

    assert _summary(found) == {
        (Kind.RESOURCE_RECLASSIFIED, "bucket", "b"),
        (Kind.KEY_REMOVED, "key", "k1"),
    }
    assert changes.compare(before, before) == []


def _write_folder(root: Path, scan_id: str, started: str, complete: bool = True) -> Path:
    folder = root / scan_id / "123456789012"
    folder.mkdir(parents=True)
    facts = {"account_id": "123456789012", "scan_id": scan_id, "started_utc": started}
    (folder / "summary.json").write_text(json.dumps(facts))
    names = ("findings.csv", "keys.csv") if complete else ("findings.csv",)
    for name in names:
        (folder / name).write_text("region\n")
    return folder


def test_the_earlier_scan_is_the_latest_complete_one_before(tmp_path):
    _write_folder(tmp_path, "old", "2026-01-01T00:00:00+00:00")
    wanted = _write_folder(tmp_path, "recent", "2026-02-01T00:00:00+00:00")
    _write_folder(tmp_path, "broken", "2026-02-15T00:00:00+00:00", complete=False)
    _write_folder(tmp_path, "later", "2026-04-01T00:00:00+00:00")
    _write_folder(tmp_path, ".staging", "2026-02-20T00:00:00+00:00")

    found = changes.earlier_scan(tmp_path, "123456789012", "now", "2026-03-01T00:00:00+00:00")

    assert found == wanted
    assert changes.earlier_scan(tmp_path, "999999999999", "now", "2027") is None
    same_second = _write_folder(tmp_path, "same-second", "2026-03-01T00:00:00+00:00")
    assert changes.earlier_scan(tmp_path, "123456789012", "now", "2026-03-01T00:00:00+00:00") == (
        same_second
    )


def test_the_sandbox_environment_is_not_left_pointing_at_the_other_account(two_scans):
    assert "AWS_SESSION_TOKEN" not in os.environ
