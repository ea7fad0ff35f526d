"""Sweeps over the sandbox organization, run as a user runs them, plus the pure parts."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scanner import errors, sweep
from scanner.sandbox_org import MEMBERS

SERVICES = ["-s", "s3", "-s", "sqs", "-s", "secretsmanager", "-s", "sns"]


def _run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _rows(scan_folder: Path) -> dict[str, dict]:
    with open(scan_folder / "summary.csv", newline="") as handle:
        return {row["account_name"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    result = _run("sweep", "--sandbox", *SERVICES, "--out", str(out), "--quiet", cwd=out)
    return result, Path(result.stdout.strip())


def test_sweep_gives_each_account_its_row_and_partial_exit(swept):
    result, folder = swept

    assert result.returncode == errors.EXIT_PARTIAL, result.stderr
    rows = _rows(folder)
    assert {name: row["status"] for name, row in rows.items()} == {
        "master": "OK",
        "prod-web": "OK",
        "prod-data": "OK",
        "dev-tools": "OK",
        "legacy": "SKIPPED",
        "no-role": "FAILED",
    }
    assert rows["no-role"]["reason"] == "AssumeRole: AccessDenied"
    assert rows["legacy"]["reason"] == "account is SUSPENDED"
    assert {m.name: m.ou_path for m in MEMBERS} == {
        name: row["ou_path"] for name, row in rows.items() if name != "master"
    }


def test_failed_and_skipped_accounts_have_no_counts(swept):
    rows = _rows(swept[1])

    for name in ("no-role", "legacy"):
        assert rows[name]["resources"] == "" and rows[name]["aws_managed"] == ""
        assert not (swept[1] / rows[name]["account_id"]).exists()


def test_member_counts_come_from_their_own_reports(swept):
    rows = _rows(swept[1])
    web = rows["prod-web"]

    # Three regions, each with a bucket, a queue and a secret on AWS managed keys and a topic.
    assert (web["resources"], web["aws_managed"], web["not_encrypted"]) == ("12", "9", "3")
    assert (web["service_s3"], web["service_sns"]) == ("3", "3")
    dev = rows["dev-tools"]
    assert (dev["resources"], dev["aws_managed"]) == ("8", "6")


def test_an_opt_in_region_not_enabled_is_disabled_not_failed(swept):
    rows = _rows(swept[1])
    coverage = pd.read_csv(swept[1] / rows["dev-tools"]["account_id"] / "coverage.csv", dtype=str)

    disabled = coverage[coverage["status"] == "region_disabled"]
    assert list(disabled["region"]) == ["ap-east-1"]
    assert rows["dev-tools"]["coverage_gaps"] == "0"


def test_summary_workbook_has_accounts_and_totals(swept):
    sheets = pd.read_excel(swept[1] / "summary.xlsx", sheet_name=None)

    assert list(sheets) == ["Accounts", "Organization totals"]
    assert len(sheets["Accounts"]) == 6
    totals = dict(
        zip(
            sheets["Organization totals"]["measure"],
            sheets["Organization totals"]["total"],
            strict=True,
        )
    )
    assert totals["accounts"] == 6 and totals["accounts FAILED"] == 1
    assert totals["resources"] == sum(
        int(r["resources"]) for r in _rows(swept[1]).values() if r["resources"]
    )


def test_resume_skips_complete_accounts(swept, tmp_path):
    folder = swept[1]
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_dir()}

    result = _run(
        "sweep",
        "--sandbox",
        *SERVICES,
        "--out",
        str(folder.parent),
        "--resume",
        folder.name,
        "--quiet",
        cwd=tmp_path,
    )

    assert result.returncode == errors.EXIT_PARTIAL, result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_dir()} == stamps
    assert _rows(folder)["prod-web"]["reason"] == "complete in an earlier run"


def test_shards_are_disjoint_and_merge_into_the_whole(tmp_path):
    outs = [tmp_path / "shard0", tmp_path / "shard1"]
    args = ["--sandbox", "-s", "sqs", "-r", "us-east-1", "--scan-id", "S1", "--quiet"]
    for index, out in enumerate(outs):
        result = _run("sweep", *args, "--shard", f"{index}/2", "--out", str(out), cwd=tmp_path)
        # A shard holding only the failing or suspended accounts exits as failed.
        assert result.returncode in (0, 1, 3) and not result.stderr, result.stderr

    shard_accounts = [{row["account_id"] for row in _rows(out / "S1").values()} for out in outs]
    merged = _run(
        "merge",
        str(outs[0] / "S1"),
        str(outs[1] / "S1"),
        "--out",
        str(tmp_path / "merged"),
        cwd=tmp_path,
    )

    assert not shard_accounts[0] & shard_accounts[1]
    assert len(shard_accounts[0] | shard_accounts[1]) == 6
    assert merged.returncode == errors.EXIT_PARTIAL, merged.stderr
    assert (
        set(pd.read_csv(tmp_path / "merged" / "S1" / "summary.csv", dtype=str)["account_id"])
        == shard_accounts[0] | shard_accounts[1]
    )


def test_shard_index_from_a_batch_scheduler(monkeypatch):
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "2")

    assert sweep.parse_shard("3") == (2, 3)
    assert sweep.parse_shard("1/4") == (1, 4)
    with pytest.raises(errors.UserError):
        sweep.parse_shard("4/4")


def test_select_splits_accounts_deterministically():
    accounts = [sweep.Account(f"{n:012d}") for n in range(200)]

    shards = [sweep.select(accounts, [], (i, 3))[0] for i in range(3)]

    ids = [{a.account_id for a in shard} for shard in shards]
    assert sum(len(s) for s in ids) == 200 and len(set().union(*ids)) == 200
    assert all(len(s) > 40 for s in ids)
    assert ids[1] == {a.account_id for a in sweep.select(list(reversed(accounts)), [], (1, 3))[0]}


def test_exit_codes():
    def code(*statuses: str) -> int:
        return sweep.exit_code(pd.DataFrame({"status": list(statuses)}))

    assert code("OK", "OK", "SKIPPED") == errors.EXIT_OK
    assert code("OK", "PARTIAL") == errors.EXIT_PARTIAL
    assert code("OK", "FAILED") == errors.EXIT_PARTIAL
    assert code("FAILED", "NOT_STARTED") == errors.EXIT_FAILED


def test_expired_sso_session_stops_before_any_work(tmp_path):
    home = tmp_path / "home"
    (home / ".aws" / "sso" / "cache").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "[profile audit]\nsso_start_url = https://example.invalid/start\n"
        "sso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Audit\n"
        "region = us-east-1\n"
    )
    import hashlib

    cache = hashlib.sha1(b"https://example.invalid/start").hexdigest()
    (home / ".aws" / "sso" / "cache" / f"{cache}.json").write_text(
        json.dumps(
            {
                "startUrl": "https://example.invalid/start",
                "region": "us-east-1",
                "accessToken": "expired",
                "expiresAt": "2020-01-01T00:00:00Z",
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
    )
    out = tmp_path / "out"

    result = _run("sweep", "--profile", "audit", "--out", str(out), cwd=tmp_path, env=env)

    assert result.returncode == errors.EXIT_FAILED
    assert result.stderr.strip().splitlines() == [
        "error: the SSO session of profile 'audit' is missing or expired: "
        "run `aws sso login --profile audit`"
    ]
    assert not out.exists()


def test_base_session_expiring_mid_sweep_stops_the_accounts_not_started(monkeypatch, tmp_path):
    import asyncio
    from datetime import UTC, datetime

    import aioboto3
    from botocore.exceptions import TokenRetrievalError

    from scanner.scan import AccountScan

    async def session_for(self, account_id):
        if account_id == "222222222222":
            raise TokenRetrievalError(provider="sso", error_msg="expired")
        return self.base

    async def fake_scan(session, *args, **kwargs):
        return AccountScan("111111111111", "arn", datetime.now(UTC), ["us-east-1"], ["s3"])

    monkeypatch.setattr(sweep.Sweep, "_session_for", session_for)
    monkeypatch.setattr(sweep, "run_scan", fake_scan)
    monkeypatch.setattr(sweep.report, "write_account", lambda *args: None)
    options = sweep.SweepOptions("S", tmp_path, ["us-east-1"], ["s3"], max_accounts=1)
    session = aioboto3.Session(
        region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    runner = sweep.Sweep(session, "000000000000", options, dataset=None)
    accounts = [sweep.Account(f"{n}" * 12) for n in (1, 2, 3)]

    outcomes = asyncio.run(runner.run(accounts))

    assert [(o.account_id[0], o.status) for o in outcomes] == [
        ("1", "OK"),
        ("2", "FAILED"),
        ("3", "NOT_STARTED"),
    ]
    assert (
        outcomes[2].reason == outcomes[1].reason == "base credentials expired (TokenRetrievalError)"
    )


def test_member_credentials_are_re_assumed_from_the_base_session_before_expiry(tmp_path):
    import asyncio
    from datetime import UTC, datetime, timedelta

    import aioboto3

    calls = []

    async def assume(role_arn):
        calls.append(role_arn)
        expiry = datetime.now(UTC) + timedelta(minutes=5 if len(calls) == 1 else 60)
        return {
            "access_key": f"AK{len(calls)}",
            "secret_key": "s",
            "token": "t",
            "expiry_time": expiry.isoformat(),
        }

    options = sweep.SweepOptions("S", tmp_path, ["us-east-1"], ["s3"], role_name="Audit")
    base = aioboto3.Session(
        region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    runner = sweep.Sweep(base, "000000000000", options, dataset=None)
    runner._assume = assume

    async def keys() -> str:
        member = await runner._session_for("111122223333")
        credentials = await member.get_credentials()
        return (await credentials.get_frozen_credentials()).access_key

    # Five minutes left is inside the SDK's refresh window: the role is assumed again.
    assert asyncio.run(keys()) == "AK2"
    assert calls == ["arn:aws:iam::111122223333:role/Audit"] * 2


def test_account_ids_are_twelve_ascii_digits():
    assert sweep.check_account_ids(["012345678901"]) == ["012345678901"]
    full_width = "".join(chr(0xFF10 + int(d)) for d in "123456789012")
    for bad in [full_width, "", "12345678901", "0123456789012", " 12345678901"]:
        with pytest.raises(errors.UserError):
            sweep.check_account_ids([bad])
