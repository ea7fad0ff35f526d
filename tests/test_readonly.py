"""Read-only, proven: every call the scanner makes is a read, and in the shipped IAM policy.

Importing this module makes every scanner session of the test run record its calls, so
the check at the end of the session covers every scan any test ran in this process.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import botocore.session
import pytest
from typer.testing import CliRunner

from scanner import cli, engine
from scanner.collectors import COLLECTORS
from scanner.engine import CallLog

POLICY = Path(cli.__file__).with_name("iam_policy.json")
SCANNER = Path(cli.__file__).parent
READ_PREFIXES = ("Describe", "Get", "List")
READ_ALLOWED = {"BatchGetRepositories"}  # a read despite its name
# API operations whose IAM action is spelled differently.
RENAMED = {
    ("s3", "ListBuckets"): "ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
}
OPERATION = re.compile(r'\b(?:pages|detail|call)\(\s*"([a-z0-9_]+)"')

SUITE_CALLS = CallLog()
_watch = engine.Aws._watch


def _watch_for_the_suite(self, client, name: str, region: str) -> None:
    _watch(self, client, name, region)

    def record(params: dict, model, **_) -> None:
        SUITE_CALLS.record(region, name, model.name, params)

    client.meta.events.register("before-parameter-build.*.*", record)


engine.Aws._watch = _watch_for_the_suite


@cache
def _allowed() -> frozenset[str]:
    statements = json.loads(POLICY.read_text())["Statement"]
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for s in statements)
    return frozenset(action for s in statements for action in s["Action"])


@cache
def _action(service: str, operation: str) -> str:
    prefix = botocore.session.get_session().get_service_model(service).signing_name
    return f"{prefix}:{RENAMED.get((service, operation), operation)}"


def _problems(calls: CallLog) -> list[str]:
    allowed = _allowed()
    found = []
    for region, service, operation, params in calls.calls:
        if not (operation.startswith(READ_PREFIXES) or operation in READ_ALLOWED):
            found.append(f"not a read: {service}.{operation}")

        if _action(service, operation) not in allowed:
            found.append(f"not in iam_policy.json: {_action(service, operation)}")

        key = str(params.get("KeyId", ""))
        if operation == "DescribeKey" and (key.startswith("alias/") or ":alias/" in key):
            found.append(f"DescribeKey with an alias in {region}: {key}")

    return sorted(set(found))


@pytest.fixture(scope="session")
def suite_calls():
    """The calls of every scan in the run, checked once more when the session ends."""
    yield SUITE_CALLS
    problems = _problems(SUITE_CALLS)
    assert not problems, "\n".join(problems)


def test_every_call_of_a_full_scan_is_a_read_in_the_policy(sandbox_scan):
    calls = sandbox_scan["calls"]

    assert len(calls.counts()) > 20
    assert _problems(calls) == []


def test_every_call_of_the_suite_so_far_is_a_read_in_the_policy(suite_calls):
    problems = _problems(suite_calls)

    assert not problems, "\n".join(problems)


def test_a_full_scan_changes_no_key_and_creates_none(sandbox_scan):
    def without_hidden(state: dict) -> dict:
        # DescribeKey clears the hidden flag, as AWS lists a key once it has been named.
        return {
            region: {
                "keys": {k: v[:3] for k, v in part["keys"].items()},
                "aliases": part["aliases"],
            }
            for region, part in state.items()
        }

    assert without_hidden(sandbox_scan["after"]) == without_hidden(sandbox_scan["before"])
    assert sandbox_scan["created"] == []


def test_every_operation_in_the_source_is_in_the_policy():
    sources = {"kms": [SCANNER / "kms.py"]}
    for module in COLLECTORS.values():
        sources.setdefault(module.CLIENT, []).append(Path(module.__file__))
    allowed = _allowed()
    model = botocore.session.get_session()

    missing = []
    for client, paths in sources.items():
        names = {botocore.xform_name(n): n for n in model.get_service_model(client).operation_names}
        for path in paths:
            for operation in OPERATION.findall(path.read_text()):
                if _action(client, names[operation]) not in allowed:
                    missing.append(_action(client, names[operation]))

    assert OPERATION.findall((SCANNER / "kms.py").read_text())
    assert missing == []


def test_the_policy_is_least_privilege():
    actions = _allowed()

    assert all(":" in a and "*" not in a for a in actions)
    writes = [
        a
        for a in actions
        if not a.split(":")[1].startswith(READ_PREFIXES) and a.split(":")[1] not in READ_ALLOWED
    ]
    assert writes == []


def test_iam_policy_command_prints_the_shipped_policy():
    outcome = CliRunner().invoke(cli.app, ["iam-policy"])

    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout) == json.loads(POLICY.read_text())
