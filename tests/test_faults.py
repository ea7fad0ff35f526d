"""Scans through the fault proxy: AWS errors injected on the wire, nothing lost or hidden."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import astuple
from pathlib import Path

import boto3
import pandas as pd
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from typer.testing import CliRunner

from scanner import cli, errors, sandbox_seed
from scanner.engine import Limits
from scanner.faults import (
    DENY,
    DROP,
    ERROR_500,
    ERROR_503,
    EXPIRE,
    LATENCY,
    THROTTLE,
    FaultProxy,
    Rule,
    identify,
)
from scanner.records import CoverageStatus, Encryption, PolicyStatus
from tests.conftest import scan_sandbox

REGIONS = ["us-east-1", "eu-west-1"]
# Every protocol: JSON, query, EC2 query, REST-XML and REST-JSON; the rest adds only time.
SERVICES = ["dynamodb", "ebs", "kinesis", "lambda", "s3", "secretsmanager", "sns", "sqs", "ssm"]
FAST = Limits(max_attempts=4)


class Through:
    """Looks like the sandbox to scan_sandbox, but sends the SDK through the proxy."""

    def __init__(self, box, proxy: FaultProxy):
        self.box = box
        self.proxy = proxy

    def env(self) -> dict[str, str]:
        return self.proxy.env(self.box.env())


@pytest.fixture(scope="module")
def proxy(sandbox):
    with FaultProxy(sandbox.endpoint) as running:
        yield running


def faulted(sandbox, proxy, dataset, rules, seed=0, services=SERVICES, limits=FAST):
    """A scan of the sandbox with the proxy applying rules; hidden keys hidden again first."""
    proxy.configure(rules, seed)
    sandbox_seed.hide_keys()
    return scan_sandbox(Through(sandbox, proxy), dataset, REGIONS, services, limits=limits)


@pytest.fixture(scope="module")
def clean(sandbox, proxy, dataset):
    return faulted(sandbox, proxy, dataset, [])


def _rows(items) -> Counter:
    return Counter(astuple(item) for item in items)


def _key_id(scan, region: str, alias: str) -> str:
    return next(k.key_id for k in scan.keys if k.region == region and k.key_alias == alias)


# The requests a proxy must name: (method, path, headers, body, service, operation).
REQUESTS = [
    ("POST", "/", {"X-Amz-Target": "TrentService.GetKeyPolicy"}, b"{}", "kms", "GetKeyPolicy"),
    ("POST", "/", {}, b"Action=ListTopics&Version=2010-03-31", "sns", "ListTopics"),
    ("POST", "/", {}, b"Action=DescribeVolumes&Version=2016-11-15", "ec2", "DescribeVolumes"),
    ("GET", "/?bucket-region=eu-west-1", {}, b"", "s3", "ListBuckets"),
    ("GET", "/my-bucket?encryption", {}, b"", "s3", "GetBucketEncryption"),
    ("GET", "/2015-02-01/file-systems", {}, b"", "elasticfilesystem", "DescribeFileSystems"),
    ("GET", "/2015-03-31/functions/", {}, b"", "lambda", "ListFunctions"),
]


@pytest.mark.parametrize(("method", "path", "headers", "body", "signing", "operation"), REQUESTS)
def test_proxy_names_service_and_operation_in_every_protocol(
    method, path, headers, body, signing, operation
):
    scope = f"Credential=testing/20260101/eu-west-1/{signing}/aws4_request, SignedHeaders=host"
    call = identify(method, path, {**headers, "Authorization": f"AWS4-HMAC-SHA256 {scope}"}, body)

    assert call.operation == operation
    assert call.region == "eu-west-1"
    assert call.protocol


# One read call per protocol: (client, operation, params, the codes AWS answers each fault with).
CALLS = [
    (
        "kms",
        "list_keys",
        {},
        "ThrottlingException",
        "AccessDeniedException",
        "ExpiredTokenException",
    ),
    ("sts", "get_caller_identity", {}, "Throttling", "AccessDenied", "ExpiredToken"),
    (
        "ec2",
        "describe_volumes",
        {},
        "RequestLimitExceeded",
        "UnauthorizedOperation",
        "RequestExpired",
    ),
    ("s3", "list_buckets", {}, "SlowDown", "AccessDenied", "ExpiredToken"),
    (
        "efs",
        "describe_file_systems",
        {},
        "ThrottlingException",
        "AccessDeniedException",
        "ExpiredTokenException",
    ),
    (
        "lambda",
        "list_functions",
        {},
        "TooManyRequestsException",
        "AccessDeniedException",
        "ExpiredTokenException",
    ),
    ("sns", "list_topics", {}, "Throttling", "AuthorizationError", "ExpiredToken"),
    (
        "sqs",
        "list_queues",
        {},
        "RequestThrottled",
        "AccessDeniedException",
        "ExpiredTokenException",
    ),
]


def _client(sandbox, proxy, name):
    return boto3.client(
        name,
        region_name="us-east-1",
        endpoint_url=proxy.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


@pytest.mark.parametrize(("name", "operation", "params", "throttled", "denied", "expired"), CALLS)
def test_each_fault_reaches_the_sdk_as_the_service_spells_it(
    sandbox, proxy, name, operation, params, throttled, denied, expired
):
    client = _client(sandbox, proxy, name)
    for fault, expected in ((THROTTLE, throttled), (DENY, denied), (EXPIRE, expired)):
        proxy.configure([Rule(fault, service=name)])
        with pytest.raises(ClientError) as caught:
            getattr(client, operation)(**params)

        assert errors.error_code(caught.value) == expected
        assert errors.coverage_status(expected) != CoverageStatus.SCANNED

    proxy.configure([Rule(ERROR_500, service=name)])
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(**params)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    proxy.configure([])
    getattr(client, operation)(**params)
    client.close()


def test_a_dropped_connection_reaches_the_sdk_as_a_closed_connection(sandbox, proxy):
    client = _client(sandbox, proxy, "kms")
    proxy.configure([Rule(DROP, service="kms")])

    with pytest.raises(ConnectionClosedError):
        client.list_keys()
    client.close()
    assert proxy.injected
    assert {i.fault for i in proxy.injected} == {DROP}


def test_rules_fire_only_on_their_service_operation_and_text(sandbox, proxy):
    client = _client(sandbox, proxy, "kms")
    proxy.configure([Rule(DENY, "kms", "DescribeKey", contains="not-this-key")])

    keys = client.list_keys()["Keys"]
    client.describe_key(KeyId=keys[0]["KeyId"])
    client.close()
    assert proxy.injected == []
    assert proxy.seen[("kms", "DescribeKey")] == 1


def test_the_same_seed_replays_the_same_faults(sandbox, proxy, dataset):
    rules = [Rule(THROTTLE, rate=0.1), Rule(ERROR_503, rate=0.05)]
    services = ["s3", "sqs", "sns"]

    faulted(sandbox, proxy, dataset, rules, seed=7, services=services)
    first = Counter(proxy.injected)
    faulted(sandbox, proxy, dataset, rules, seed=7, services=services)

    assert first
    assert Counter(proxy.injected) == first


def test_ten_percent_throttled_or_failing_gives_the_clean_findings(sandbox, proxy, dataset, clean):
    rules = [
        Rule(THROTTLE, rate=0.05),
        Rule(ERROR_500, rate=0.02),
        Rule(ERROR_503, rate=0.02),
        Rule(DROP, rate=0.02),
    ]
    result = faulted(sandbox, proxy, dataset, rules, seed=2026)

    injected = Counter(i.fault for i in proxy.injected)
    assert injected[THROTTLE]
    assert injected[ERROR_500] + injected[ERROR_503]
    assert sum(injected.values()) >= 0.05 * sum(proxy.seen.values())
    assert _rows(result.findings) == _rows(clean.findings)
    assert _rows(result.keys) == _rows(clean.keys)
    assert _rows(result.coverage) == _rows(clean.coverage)
    assert not result.partial


@pytest.fixture(scope="module")
def denied(sandbox, proxy, dataset, clean):
    """One scan with a key's policy, another key and two whole services denied."""
    policy_key = _key_id(clean, "us-east-1", "alias/aws/sqs")
    described_key = _key_id(clean, "us-east-1", "alias/aws/s3")
    rules = [
        Rule(DENY, "kms", "GetKeyPolicy", contains=policy_key),
        Rule(DENY, "kms", "DescribeKey", contains=described_key),
        Rule(DENY, "secretsmanager"),
        Rule(DENY, "sns", "ListTopics"),
    ]
    result = faulted(sandbox, proxy, dataset, rules)
    return {"result": result, "policy_key": policy_key, "described_key": described_key}


def test_denied_key_policy_is_unreadable_with_the_code(denied, clean):
    keys = {(k.region, k.key_id): k for k in denied["result"].keys}
    row = keys[("us-east-1", denied["policy_key"])]

    assert row.policy_status == PolicyStatus.UNREADABLE
    assert row.error_code == "AccessDeniedException"
    assert row.key_manager == "AWS"
    sqs = [f for f in denied["result"].findings if f.key_arn == row.key_arn]
    assert sqs
    assert {f.policy_status for f in sqs} == {PolicyStatus.UNREADABLE}


def test_denied_describe_key_keeps_its_resources_with_manager_unknown(denied, clean):
    key_id = denied["described_key"]
    before = [f for f in clean.findings if f.key_arn.endswith(key_id)]
    after = [f for f in denied["result"].findings if f.key_reference and key_id in f.key_reference]
    after += [
        f
        for f in denied["result"].findings
        if f.key_alias == "alias/aws/s3" and f.region == "us-east-1"
    ]
    after = list({f.resource_arn: f for f in after}.values())

    assert before
    assert sorted(f.resource_arn for f in after) == sorted(f.resource_arn for f in before)
    for finding in after:
        assert finding.encryption == Encryption.UNKNOWN
        assert finding.key_manager == "unknown"
        assert finding.error_code == "AccessDeniedException"


def test_denied_service_is_access_denied_in_coverage_never_empty(denied, clean):
    coverage = {(c.region, c.service): c for c in denied["result"].coverage}

    for region in REGIONS:
        assert coverage[(region, "secretsmanager")].status == CoverageStatus.ACCESS_DENIED
        assert coverage[(region, "secretsmanager")].error_code == "AccessDeniedException"
        assert coverage[(region, "sns")].status == CoverageStatus.ACCESS_DENIED
        assert coverage[(region, "sns")].error_code == "AuthorizationError"
    assert denied["result"].partial


def test_denied_faults_leave_every_other_row_as_clean(denied, clean):
    touched = {"secretsmanager", "sns"}
    described = denied["described_key"]
    policy = denied["policy_key"]

    def untouched(findings):
        return _rows(
            f
            for f in findings
            if f.service not in touched
            and not f.key_arn.endswith((described, policy))
            and not (f.region == "us-east-1" and f.key_alias in ("alias/aws/s3", "alias/aws/sqs"))
        )

    assert untouched(denied["result"].findings) == untouched(clean.findings)


def _cli_env(sandbox, proxy) -> dict[str, str]:
    return proxy.env(sandbox.env())


def _services(*names: str) -> list[str]:
    return [arg for name in names for arg in ("-s", name)]


def _fast_cli(monkeypatch) -> None:
    # The CLI's own retry budget backs off for many seconds; two attempts keep tests quick.
    monkeypatch.setattr(cli, "Limits", lambda max_calls: Limits(max_calls, max_attempts=2))


def test_service_throttled_on_every_call_is_a_partial_report(sandbox, proxy, tmp_path, monkeypatch):
    _fast_cli(monkeypatch)
    proxy.configure([Rule(THROTTLE, service="s3")])
    sandbox_seed.hide_keys()
    args = ["scan", "-q", "--out", str(tmp_path), *_services("s3", "sqs", "kinesis")]

    outcome = CliRunner().invoke(cli.app, args, env=_cli_env(sandbox, proxy))

    assert outcome.exit_code == errors.EXIT_PARTIAL, outcome.output
    folder = Path(outcome.stdout.strip())
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "PARTIAL"
    coverage = (folder / "coverage.csv").read_text().splitlines()
    for region in REGIONS:
        assert f"123456789012,{region},s3,throttled,SlowDown,0" in coverage
        for service in ("sqs", "kinesis"):
            prefix = f"123456789012,{region},{service},scanned,,"
            assert any(line.startswith(prefix) for line in coverage), service


def test_expired_credentials_keep_what_was_read_marked_partial(
    sandbox, proxy, tmp_path, monkeypatch
):
    _fast_cli(monkeypatch)
    proxy.configure([Rule(EXPIRE, after=12)])
    out = tmp_path / "out"

    args = ["scan", "-q", "--out", str(out), *_services("s3", "sqs", "kinesis", "ssm")]

    outcome = CliRunner().invoke(cli.app, args, env=_cli_env(sandbox, proxy))

    assert outcome.exit_code == errors.EXIT_PARTIAL
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert "ExpiredTokenException" in lines[0]
    assert "marked partial; refresh them" in lines[0]
    assert proxy.injected
    folder = Path(outcome.stdout.strip())
    facts = json.loads((folder / "summary.json").read_text())
    assert (facts["status"], facts["credentials_refused"]) == ("PARTIAL", "ExpiredTokenException")
    coverage = pd.read_csv(folder / "coverage.csv", dtype=str, keep_default_na=False)
    refused = coverage[coverage["error_code"] == "ExpiredTokenException"]
    assert not refused.empty and set(refused["status"]) <= {"error", "partial"}
    findings = pd.read_csv(folder / "findings.csv", dtype=str, keep_default_na=False)
    unread = findings[findings["error_code"] == "ExpiredTokenException"]
    assert set(unread["encryption"]) <= {"unknown"}


def test_sigint_mid_scan_leaves_no_truncated_file(sandbox, proxy, tmp_path):
    proxy.configure([Rule(LATENCY, delay=0.3)])
    sandbox_seed.hide_keys()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **_cli_env(sandbox, proxy),
        "AWS_CONFIG_FILE": os.environ["AWS_CONFIG_FILE"],
        "AWS_SHARED_CREDENTIALS_FILE": os.environ["AWS_SHARED_CREDENTIALS_FILE"],
    }
    out = tmp_path / "out"
    scan = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", "-q", "--out", str(out), *_services(*SERVICES)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_calls(proxy, scan, 8)
        scan.send_signal(signal.SIGINT)
        _, stderr = scan.communicate(timeout=120)
    finally:
        if scan.poll() is None:
            scan.kill()
            scan.communicate()

    assert scan.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "error: interrupted: the scan did not finish and no report was written"
    ]
    assert [p for p in out.rglob("*") if p.is_file() or p.name.startswith(".")] == []


def _wait_for_calls(proxy: FaultProxy, process: subprocess.Popen, calls: int) -> None:
    # Polls the proxy until the scan is under way; the timeout only guards a hung scan.
    for _ in range(600):
        if sum(proxy.seen.values()) >= calls:
            return

        if process.poll() is not None:
            pytest.fail(f"the scan ended before it could be interrupted: {process.returncode}")

        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue

    pytest.fail("the scan made no calls through the proxy")
