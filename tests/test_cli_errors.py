"""Bad input: each case ends with one line naming the problem, its exit code, and no files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner import cli, errors
from scanner.engine import Limits
from scanner.faults import DENY, EXPIRE, FaultProxy, Rule
from scanner.reference import DEFAULT_REFERENCE_DIR

CLOSED = "http://127.0.0.1:9"  # nothing listens here: a guard, should anything try the network


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "reports"


def _invoke(args: list[str], env: dict[str, str | None] | None = None):
    return CliRunner().invoke(cli.app, args, env=env or {})


def _assert_failed(outcome, code: int, line: str, out: Path) -> None:
    assert outcome.exit_code == code, outcome.output
    assert outcome.stderr.strip().splitlines() == [line]
    written = [p for p in out.rglob("*") if p.is_file()] if out.is_dir() else []
    assert written == []


def _scan(out: Path, *args: str) -> list[str]:
    return ["scan", "-q", "--out", str(out), *args]


def test_unknown_service(out):
    outcome = _invoke(_scan(out, "--sandbox", "-s", "s3", "-s", "nosuch"))

    _assert_failed(outcome, 2, "error: unknown service: nosuch (see the 'services' command)", out)


def test_unknown_region(out):
    outcome = _invoke(_scan(out, "--sandbox", "-r", "mars-east-1"))

    _assert_failed(outcome, 2, "error: unknown region: mars-east-1", out)


def test_region_not_enabled(sandbox, out):
    outcome = _invoke(_scan(out, "-r", "me-south-1"), sandbox.env())

    _assert_failed(outcome, 2, "error: region me-south-1 is not enabled for this account", out)


def test_region_of_another_partition(sandbox, out):
    outcome = _invoke(_scan(out, "-r", "cn-north-1"), sandbox.env())

    _assert_failed(outcome, 2, "error: unknown region: cn-north-1", out)


def test_missing_profile(out):
    outcome = _invoke(_scan(out, "--profile", "nope"), {"AWS_ENDPOINT_URL": CLOSED})

    _assert_failed(outcome, 1, "error: AWS profile 'nope' is not in your AWS config", out)


def test_expired_sso_cache(tmp_path, out):
    home = tmp_path / "home"
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    start_url = "https://example.awsapps.com/start"
    config = home / ".aws" / "config"
    config.write_text(
        "[profile work]\n"
        f"sso_start_url = {start_url}\n"
        "sso_region = us-east-1\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = ReadOnly\n"
        "region = us-east-1\n"
    )
    token = {"accessToken": "old", "expiresAt": "2020-01-01T00:00:00Z", "region": "us-east-1"}
    (cache / f"{_sha1(start_url)}.json").write_text(json.dumps(token))
    env = {"HOME": str(home), "AWS_CONFIG_FILE": str(config), "AWS_ENDPOINT_URL": CLOSED}

    outcome = _invoke(_scan(out, "--profile", "work"), env)

    _assert_failed(
        outcome,
        1,
        "error: the SSO session of profile 'work' is missing or expired: "
        "run `aws sso login --profile work`",
        out,
    )


def _sha1(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()


def test_no_credentials_at_all(out):
    outcome = _invoke(_scan(out), {"AWS_ENDPOINT_URL": CLOSED, "AWS_DEFAULT_REGION": "us-east-1"})

    _assert_failed(
        outcome,
        1,
        "error: no AWS credentials found: pass --profile, set AWS credentials, or use --sandbox",
        out,
    )


def _reference_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "reference"
    shutil.copytree(DEFAULT_REFERENCE_DIR, copy)
    return copy


def test_reference_file_not_json(tmp_path, out):
    reference = _reference_copy(tmp_path)
    (reference / "s3.json").write_text("{ not json")

    outcome = _invoke(_scan(out, "--sandbox", "--reference", str(reference)))

    _assert_failed(
        outcome, 2, f"error: reference file {reference / 's3.json'} is not valid JSON (line 1)", out
    )


def test_reference_file_json_but_not_a_key_policy(tmp_path, out):
    reference = _reference_copy(tmp_path)
    (reference / "s3.json").write_text(json.dumps({"hello": "world"}))

    outcome = _invoke(_scan(out, "--sandbox", "--reference", str(reference)))

    assert outcome.exit_code == 2
    line = outcome.stderr.strip().splitlines()
    assert len(line) == 1
    assert line[0].startswith(f"error: reference file {reference / 's3.json'} is not a key policy")
    assert not out.exists()


def test_reference_folder_missing(tmp_path, out):
    missing = tmp_path / "no-such-folder"

    outcome = _invoke(_scan(out, "--sandbox", "--reference", str(missing)))

    _assert_failed(outcome, 2, f"error: reference folder {missing} does not exist", out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder")
def test_unwritable_output_folder(tmp_path):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)

    outcome = _invoke(_scan(out, "--sandbox"))

    out.chmod(0o700)
    _assert_failed(
        outcome, 2, f"error: output folder {out} is not writable (Permission denied)", out
    )


def test_unwritable_output_folder_even_for_root():
    # /sys refuses new folders to every user, root included, so this runs in CI as well.
    out = Path("/sys/amk-reports")

    outcome = _invoke(_scan(out, "--sandbox"))

    _assert_failed(
        outcome, 2, f"error: output folder {out} is not writable (Permission denied)", out
    )


def test_output_folder_under_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = blocker / "reports"

    outcome = _invoke(_scan(out, "--sandbox"))

    _assert_failed(outcome, 2, f"error: output folder {out} is under a file", out)


def test_output_folder_is_a_file(tmp_path):
    out = tmp_path / "reports"
    out.write_text("")

    outcome = _invoke(_scan(out, "--sandbox"))

    assert outcome.exit_code == 2
    assert outcome.stderr.strip().splitlines() == [f"error: output folder {out} is a file"]
    assert out.read_text() == ""


def test_sandbox_with_profile(out):
    outcome = _invoke(_scan(out, "--sandbox", "--profile", "work"))

    _assert_failed(outcome, 2, "error: --sandbox and --profile cannot be used together", out)
    assert not out.exists()


def test_reference_show_unknown_service():
    outcome = _invoke(["reference", "show", "nosuch"])

    assert outcome.exit_code == 2
    assert outcome.stderr.strip().splitlines() == ["error: no reference policy for service: nosuch"]


def _fast(monkeypatch) -> None:
    monkeypatch.setattr(cli, "Limits", lambda max_calls: Limits(max_calls, max_attempts=1))


def test_endpoint_unreachable(out, monkeypatch):
    _fast(monkeypatch)
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": CLOSED,
    }

    outcome = _invoke(_scan(out), env)

    _assert_failed(outcome, 1, f"error: cannot reach the AWS endpoint {CLOSED}/", out)


@pytest.fixture(scope="module")
def proxy(sandbox):
    with FaultProxy(sandbox.endpoint) as running:
        yield running


def test_credentials_rejected_at_start(sandbox, proxy, out, monkeypatch):
    _fast(monkeypatch)
    proxy.configure([Rule(EXPIRE, service="sts")])

    outcome = _invoke(_scan(out), proxy.env(sandbox.env()))

    _assert_failed(
        outcome,
        1,
        "error: AWS rejected the credentials (ExpiredToken): refresh them and retry",
        out,
    )


def test_describe_regions_denied(sandbox, proxy, out, monkeypatch):
    _fast(monkeypatch)
    proxy.configure([Rule(DENY, service="ec2", operation="DescribeRegions")])

    outcome = _invoke(_scan(out), proxy.env(sandbox.env()))

    _assert_failed(
        outcome,
        1,
        "error: AWS refused DescribeRegions (UnauthorizedOperation): "
        "grant the policy of the 'iam-policy' command",
        out,
    )


def test_exit_codes_are_distinct():
    codes = [errors.EXIT_OK, errors.EXIT_FAILED, errors.EXIT_USAGE, errors.EXIT_PARTIAL]

    assert len(set(codes)) == len(codes)
    assert cli.EXIT_INTERRUPTED not in codes
