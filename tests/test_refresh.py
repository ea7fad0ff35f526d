"""Refreshing the reference dataset from a sandbox account, keeping versions, diffing by meaning.

Each test that refreshes uses an account of its own on a sandbox server of its own (moto picks
the account from the x-moto-account-id header), so the shared sandbox is never touched. The
dataset is always a copy in a temporary folder; the shipped one is checked to stay as it was.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from typer.testing import CliRunner

from scanner import refresh, sandbox
from scanner.cli import app
from scanner.policy import changes, fill_placeholders, storage_json
from scanner.records import PolicyStatus
from scanner.reference import (
    DEFAULT_REFERENCE_DIR,
    INDEX_FILE,
    ReferenceDataError,
    load_dataset,
    load_index,
)
from scanner.refresh import Outcome

TODAY = date(2026, 3, 14)
ARCHIVED = "Allow SNS to decrypt archived messages"
READS = {"ListAliases", "DescribeKey", "GetKeyPolicy"}


@pytest.fixture(scope="module")
def box():
    """A sandbox server of this module's own, with no seeded account."""
    with sandbox.Sandbox(seed=False) as fresh:
        yield fresh


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEFAULT_REFERENCE_DIR, tmp_path / "reference"))


@pytest.fixture(autouse=True)
def shipped_dataset_untouched():
    """Every test leaves the shipped dataset exactly as it found it."""
    before = snapshot(DEFAULT_REFERENCE_DIR)
    yield
    assert snapshot(DEFAULT_REFERENCE_DIR) == before


class Account:
    """One private account in one region of the module's sandbox, and every call made to it."""

    def __init__(self, box: sandbox.Sandbox, account_id: str, region: str):
        self.box, self.account_id, self.region = box, account_id, region
        self.calls: list[tuple[str, dict]] = []

    def backend(self):
        return sandbox._backend(self.account_id, self.region)

    def add_key(self, service: str, policy: dict | None = None):
        """The service's AWS managed key, as AWS makes it; its policy replaced when given."""
        key = sandbox.create_managed_key(self.backend(), f"alias/aws/{service}")
        if policy is not None:
            key.policy = json.dumps(fill_placeholders(policy, self.account_id, self.region))
        return key

    def key_count(self) -> int:
        return len(self.backend().keys)

    def created(self) -> list[str]:
        return [
            alias
            for account, region, alias in sandbox.EVENTS.keys_created_by_alias
            if (account, region) == (self.account_id, self.region)
        ]

    def client(self, *_: object):
        """A KMS client on this account; takes and ignores refresh.kms_client's arguments."""
        kms = self.box.client("kms", self.region)
        kms.meta.events.register("before-sign.kms.*", self._as_account)
        kms.meta.events.register("before-parameter-build.kms.*", self._record)
        return kms

    def _as_account(self, request, **_: object) -> None:
        request.headers["x-moto-account-id"] = self.account_id

    def _record(self, params: dict, model, **_: object) -> None:
        self.calls.append((model.name, dict(params)))

    def operations(self) -> set[str]:
        return {name for name, _ in self.calls}

    def described_aliases(self) -> list[str]:
        return [
            params["KeyId"]
            for name, params in self.calls
            if name == "DescribeKey" and params["KeyId"].startswith("alias/")
        ]


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def outcomes(results: list[refresh.Result]) -> dict[str, Outcome]:
    return {result.alias: result.outcome for result in results if result.outcome != Outcome.NO_KEY}


def shipped(name: str) -> dict:
    return json.loads((DEFAULT_REFERENCE_DIR / name).read_text(encoding="utf-8"))


def newer_sns() -> dict:
    policy = shipped("sns.json")
    policy["Id"] = "auto-sns-3"
    policy["Statement"].append(
        {
            "Sid": "Allow SNS to read keys for FIFO topics",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123412341234"}},
        }
    )
    return policy


def test_refresh_of_an_unchanged_account_writes_nothing_the_second_time(box, copied) -> None:
    account = Account(box, "210000000001", "ap-southeast-2")
    services = ("connect", "s3", "sns", "sqs")
    for service in services:
        account.add_key(service)
    keys = account.key_count()

    first = refresh.refresh(account.client(), copied, today=TODAY)
    after_first = snapshot(copied)
    second = refresh.refresh(account.client(), copied, today=date(2026, 4, 1))

    aliases = [f"alias/aws/{service}" for service in services]
    assert outcomes(first) == dict.fromkeys(aliases, Outcome.REWRITTEN)
    assert outcomes(second) == dict.fromkeys(aliases, Outcome.UNCHANGED)
    assert snapshot(copied) == after_first
    for service in services:
        assert changes(shipped(f"{service}.json"), load_dataset(copied).current(service)) == []
    assert load_index(copied)["alias/aws/sns"] == {
        "id": "auto-sns-2",
        "region": "ap-southeast-2",
        "taken": "2026-03-14",
    }
    assert sorted(load_index(copied)) == aliases
    assert (account.key_count(), account.created(), account.described_aliases()) == (keys, [], [])
    assert account.operations() == READS


def test_refresh_skips_and_lists_aliases_with_no_key(box, copied) -> None:
    account = Account(box, "210000000002", "ap-southeast-2")
    account.add_key("sns")

    results = refresh.refresh(account.client(), copied, today=TODAY)

    skipped = [result.alias for result in results if result.outcome == Outcome.NO_KEY]
    assert len(results) == 39
    assert len(skipped) == 38
    assert "alias/aws/sns" not in skipped
    assert outcomes(results) == {"alias/aws/sns": Outcome.REWRITTEN}


def test_aliases_are_read_from_every_page_and_only_managed_ones_kept() -> None:
    # No request leaves the process: the stubber answers, and the endpoint is a closed port.
    kms = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    first = [{"AliasName": "alias/aws/sns", "TargetKeyId": "k1"}, {"AliasName": "alias/mine"}]
    second = [{"AliasName": "alias/aws/acm"}, {"AliasName": "alias/aws/"}]
    with Stubber(kms) as stub:
        stub.add_response("list_aliases", {"Aliases": first, "Truncated": True, "NextMarker": "m"})
        stub.add_response("list_aliases", {"Aliases": second, "Truncated": False}, {"Marker": "m"})

        found = refresh.managed_aliases(kms)

        stub.assert_no_pending_responses()

    assert found == [
        refresh.ManagedAlias("alias/aws/acm"),
        refresh.ManagedAlias("alias/aws/sns", target_key_id="k1"),
    ]


def test_unusable_file_in_the_folder_stops_the_refresh_before_any_write(box, copied) -> None:
    account = Account(box, "210000000012", "eu-central-1")
    account.add_key("sns", newer_sns())
    (copied / "zz.json").write_text("{", encoding="utf-8")
    before = snapshot(copied)

    with pytest.raises(ReferenceDataError, match="zz.json is not valid JSON"):
        refresh.refresh(account.client(), copied, today=TODAY)

    assert snapshot(copied) == before


def test_refresh_into_a_folder_in_stored_form_changes_no_byte(box, tmp_path) -> None:
    folder = tmp_path / "fresh"
    account = Account(box, "210000000003", "eu-central-1")
    account.add_key("sns")
    account.add_key("kinesis")

    first = refresh.refresh(account.client(), folder, today=TODAY)
    before = snapshot(folder)
    second = refresh.refresh(account.client(), folder, today=date(2027, 1, 1))

    assert set(outcomes(first).values()) == {Outcome.NEW}
    assert set(outcomes(second).values()) == {Outcome.UNCHANGED}
    assert sorted(before) == [INDEX_FILE, "kinesis.json", "sns.json"]
    assert snapshot(folder) == before
    assert (folder / "sns.json").read_text(encoding="utf-8") == storage_json(shipped("sns.json"))


def test_new_sns_version_moves_the_old_one_to_history(box, copied) -> None:
    account = Account(box, "210000000004", "ca-central-1")
    account.add_key("sns", newer_sns())
    account.add_key("s3")
    old_bytes = (copied / "sns.json").read_bytes()
    oldest_bytes = (copied / "history" / "sns" / "auto-sns-1.json").read_bytes()

    results = refresh.refresh(account.client(), copied, today=TODAY)

    sns = next(result for result in results if result.alias == "alias/aws/sns")
    assert (sns.outcome, sns.policy_id, sns.previous_id) == (
        Outcome.UPDATED,
        "auto-sns-3",
        "auto-sns-2",
    )
    assert (copied / "history" / "sns" / "auto-sns-2.json").read_bytes() == old_bytes
    assert (copied / "history" / "sns" / "auto-sns-1.json").read_bytes() == oldest_bytes
    assert changes(json.loads((copied / "sns.json").read_text()), newer_sns()) == []
    assert load_index(copied)["alias/aws/sns"] == {
        "id": "auto-sns-3",
        "region": "ca-central-1",
        "taken": "2026-03-14",
    }

    dataset = load_dataset(copied)
    assert [policy["Id"] for policy in dataset.history("sns")] == ["auto-sns-1", "auto-sns-2"]
    on_old_key = fill_placeholders(shipped("sns.json"), "444455556666", "eu-west-1")
    verdict = dataset.evaluate("sns", on_old_key, "444455556666", "eu-west-1")
    assert (verdict.status, verdict.reference_policy_id) == (
        PolicyStatus.MATCHES_OLDER,
        "auto-sns-2",
    )


def test_new_version_refreshed_again_changes_nothing(box, copied) -> None:
    account = Account(box, "210000000005", "ca-central-1")
    account.add_key("sns", newer_sns())
    refresh.refresh(account.client(), copied, today=TODAY)
    before = snapshot(copied)

    again = refresh.refresh(account.client(), copied, today=date(2026, 5, 5))

    assert outcomes(again) == {"alias/aws/sns": Outcome.UNCHANGED}
    assert snapshot(copied) == before


def test_account_holding_an_older_version_leaves_the_dataset_alone(box, copied) -> None:
    account = Account(box, "210000000006", "ap-northeast-1")
    account.add_key("sns", shipped("history/sns/auto-sns-1.json"))
    before = snapshot(copied)

    results = refresh.refresh(account.client(), copied, today=TODAY)

    assert outcomes(results) == {"alias/aws/sns": Outcome.OLDER}
    assert {name: value for name, value in snapshot(copied).items() if name != INDEX_FILE} == before


def test_changed_policy_with_the_same_id_is_not_written(box, copied) -> None:
    changed = shipped("sns.json")
    changed["Statement"][0]["Action"].remove("kms:ListGrants")
    account = Account(box, "210000000007", "ap-northeast-1")
    account.add_key("sns", changed)
    before = (copied / "sns.json").read_bytes()

    results = refresh.refresh(account.client(), copied, today=TODAY)

    assert outcomes(results) == {"alias/aws/sns": Outcome.CHANGED_SAME_ID}
    assert Outcome.CHANGED_SAME_ID in refresh.GAPS
    assert (copied / "sns.json").read_bytes() == before
    assert not (copied / "history" / "sns" / "auto-sns-2.json").exists()


def denying_key_policies(kms):
    """The client, with every GetKeyPolicy answered AccessDeniedException before it is sent."""

    def deny(**_: object):
        error = {"Code": "AccessDeniedException", "Message": "denied"}
        parsed = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return AWSResponse("https://127.0.0.1", 400, {}, None), parsed

    kms.meta.events.register("before-call.kms.GetKeyPolicy", deny)
    return kms


def test_denied_key_policy_is_a_row_with_its_code_and_the_file_stays(box, copied) -> None:
    account = Account(box, "210000000008", "eu-north-1")
    account.add_key("sns", newer_sns())
    account.add_key("s3")
    before = snapshot(copied)

    results = refresh.refresh(denying_key_policies(account.client()), copied, today=TODAY)

    denied = {result.alias: result.error_code for result in results if result.error_code}
    assert outcomes(results) == dict.fromkeys(["alias/aws/s3", "alias/aws/sns"], Outcome.UNREADABLE)
    assert denied == dict.fromkeys(["alias/aws/s3", "alias/aws/sns"], "AccessDeniedException")
    assert snapshot(copied) == before


def test_cli_refresh_with_a_denied_key_exits_partial(box, copied, monkeypatch) -> None:
    account = Account(box, "210000000013", "eu-north-1")
    account.add_key("sns")
    monkeypatch.setattr(refresh, "kms_client", lambda *_: denying_key_policies(account.client()))
    command = ["reference", "refresh", "--region", account.region, "--out", str(copied)]

    result = CliRunner().invoke(app, command)

    assert result.exit_code == 3
    assert "alias/aws/sns                      unreadable        AccessDeniedException" in (
        result.output
    )


def test_only_create_missing_creates_keys(box, copied) -> None:
    account = Account(box, "210000000009", "sa-east-1")
    account.add_key("sns")
    asked: list[int] = []

    def decline(missing: list[refresh.ManagedAlias]) -> bool:
        asked.append(len(missing))
        return False

    refresh.refresh(account.client(), copied, confirm=decline, today=TODAY)
    refresh.refresh(account.client(), copied, create_missing=True, confirm=decline, today=TODAY)
    assert (account.key_count(), account.created(), account.described_aliases()) == (1, [], [])
    assert asked == [38]

    results = refresh.refresh(
        account.client(), copied, create_missing=True, confirm=lambda _: True, today=TODAY
    )

    created = sorted(result.alias for result in results if result.created)
    assert account.key_count() == 39
    assert sorted(account.created()) == created == sorted(account.described_aliases())
    assert len(created) == 38
    assert "alias/aws/sns" not in created
    assert set(outcomes(results).values()) == {Outcome.REWRITTEN, Outcome.UNCHANGED}


def test_cli_create_missing_says_so_and_stops_on_no(box, copied, monkeypatch) -> None:
    account = Account(box, "210000000010", "ap-south-1")
    account.add_key("sns")
    monkeypatch.setattr(refresh, "kms_client", account.client)
    command = ["reference", "refresh", "--region", account.region, "--out", str(copied)]

    plain = CliRunner().invoke(app, command)
    before = snapshot(copied)
    declined = CliRunner().invoke(app, [*command, "--create-missing"], input="n\n")

    assert plain.exit_code == 0, plain.output
    assert "AWS create" not in plain.output
    assert "(key created)" not in plain.output
    assert "38 no-key, 1 rewritten" in plain.output
    assert declined.exit_code == 1
    assert "makes AWS create 38 AWS managed keys in account 210000000010" in declined.output
    assert declined.output.index("alias/aws/xray") < declined.output.index("Create these keys?")
    assert "no key created" in declined.output
    assert (account.key_count(), account.created()) == (1, [])
    assert snapshot(copied) == before

    accepted = CliRunner().invoke(app, [*command, "--create-missing", "--yes"])

    assert accepted.exit_code == 0, accepted.output
    assert account.key_count() == 39
    assert accepted.output.count("(key created)") == 38


def test_cli_list_shows_ids_older_versions_and_where_taken(box, copied, monkeypatch) -> None:
    account = Account(box, "210000000011", "eu-central-1")
    account.add_key("sns")
    monkeypatch.setattr(refresh, "kms_client", account.client)
    CliRunner().invoke(
        app, ["reference", "refresh", "--region", account.region, "--out", str(copied)]
    )

    listed = CliRunner().invoke(app, ["reference", "list", "--reference", str(copied)])

    lines = {line.split()[0]: line.split() for line in listed.output.splitlines()}
    assert listed.exit_code == 0
    assert len(lines) == 40
    assert lines["alias/aws/sns"][:4] == [
        "alias/aws/sns",
        "auto-sns-2",
        "auto-sns-1",
        "eu-central-1",
    ]
    assert lines["alias/aws/s3"] == ["alias/aws/s3", "auto-s3-2", "-", "-", "-"]


def reorder(value: object) -> object:
    """The same meaning in another form: every order reversed, one-item lists and strings swap."""
    if isinstance(value, dict):
        return {key: reorder(item) for key, item in reversed(value.items())}

    if isinstance(value, list):
        items = [item if isinstance(item, str) else reorder(item) for item in reversed(value)]
        return items[0] if len(items) == 1 and isinstance(items[0], str) else items

    return [value] if isinstance(value, str) and value.startswith(("kms:", "arn:")) else value


def test_diff_of_the_dataset_against_a_reordered_copy_reports_no_change(copied) -> None:
    files = sorted(copied.glob("*.json")) + sorted(copied.glob("history/*/*.json"))
    for file in files:
        policy = json.loads(file.read_text(encoding="utf-8"))
        file.write_text(json.dumps(reorder(policy), indent=4), encoding="utf-8")

    result = CliRunner().invoke(app, ["reference", "diff", str(DEFAULT_REFERENCE_DIR), str(copied)])

    assert len(files) == 40
    for file in files:
        original = (DEFAULT_REFERENCE_DIR / file.relative_to(copied)).read_text(encoding="utf-8")
        assert json.dumps(json.loads(file.read_text())) != json.dumps(json.loads(original))
    assert refresh.diff(load_dataset(), load_dataset(copied)) == []
    assert (result.exit_code, result.output) == (0, "no change in meaning\n")


def test_diff_of_auto_sns_1_against_auto_sns_2_reports_the_added_statement_only(copied) -> None:
    shutil.copyfile(copied / "history" / "sns" / "auto-sns-1.json", copied / "sns.json")

    found = refresh.diff(load_dataset(copied), load_dataset())
    result = CliRunner().invoke(app, ["reference", "diff", str(copied), str(DEFAULT_REFERENCE_DIR)])

    assert [(entry.service, entry.old_id, entry.new_id) for entry in found] == [
        ("sns", "auto-sns-1", "auto-sns-2")
    ]
    assert [(change.kind, change.statement) for change in found[0].changes] == [
        ("added", f'"{ARCHIVED}"')
    ]
    assert result.output.splitlines() == [
        "sns: auto-sns-1 -> auto-sns-2",
        f'  statement "{ARCHIVED}" added',
    ]


def test_diff_names_changed_actions_conditions_and_known_versions(copied) -> None:
    policy = json.loads((copied / "sqs.json").read_text(encoding="utf-8"))
    statement = policy["Statement"][0]
    statement["Action"] = [*statement["Action"], "kms:ListGrants"]
    statement["Condition"]["StringEquals"]["kms:CallerAccount"] = "111122223333"
    (copied / "sqs.json").write_text(json.dumps(policy), encoding="utf-8")
    (copied / "xray.json").unlink()
    shutil.rmtree(copied / "history")

    lines = [
        line
        for entry in refresh.diff(load_dataset(), load_dataset(copied))
        for line in entry.lines()
    ]

    sid = statement["Sid"]
    assert lines == [
        "sns: auto-sns-2",
        "  history drops auto-sns-1",
        "sqs: auto-sqs-1",
        f'  statement "{sid}": Action adds kms:ListGrants',
        f'  statement "{sid}": Condition StringEquals kms:CallerAccount'
        ' is ["111122223333"] (was ["123412341234"])',
        "xray: removed (was auto-xray-1)",
    ]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, check=True, text=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_reads_a_git_revision(tmp_path, copied) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DEFAULT_REFERENCE_DIR, repo / "data" / "reference")
    git(repo, "init", "--quiet")
    git(repo, "add", "data")
    tree = git(repo, "write-tree")  # a tree is a revision git show reads; no commit needed
    shutil.copyfile(copied / "history" / "sns" / "auto-sns-1.json", copied / "sns.json")
    command = ["reference", "diff", "--repo", str(repo), "--path", "data/reference", tree]

    same = CliRunner().invoke(app, [*command, str(DEFAULT_REFERENCE_DIR)])
    older = CliRunner().invoke(app, [*command, str(copied)])
    missing = CliRunner().invoke(app, [*command[:-1], "no-such-revision", str(copied)])

    assert (same.exit_code, same.output) == (0, "no change in meaning\n")
    assert older.output.splitlines() == [
        "sns: auto-sns-2 -> auto-sns-1",
        f'  statement "{ARCHIVED}" removed',
    ]
    assert missing.exit_code == 2
    assert "no-such-revision is neither a folder nor a git revision" in missing.output


def test_stored_form_is_stable_and_keeps_list_order() -> None:
    for file in sorted(DEFAULT_REFERENCE_DIR.glob("*.json")):
        policy = json.loads(file.read_text(encoding="utf-8"))
        stored = storage_json(policy)
        reread = json.loads(stored)

        assert storage_json(reread) == stored
        assert changes(reread, policy) == []
        assert list(reread)[:3] == ["Version", "Id", "Statement"]
        for before, after in zip(policy["Statement"], reread["Statement"], strict=True):
            assert after.get("Action") == before.get("Action")
            for operator, keys in after.get("Condition", {}).items():
                assert list(keys) == sorted(keys), (file.name, operator)
            assert list(after.get("Condition", {})) == sorted(after.get("Condition", {}))


def test_stored_form_sorts_condition_keys_the_source_shuffled() -> None:
    policy = copy.deepcopy(shipped("connect.json"))
    for statement in policy["Statement"]:
        for operator in statement.get("Condition", {}):
            keys = statement["Condition"][operator]
            statement["Condition"][operator] = dict(reversed(keys.items()))

    assert storage_json(policy) == storage_json(shipped("connect.json"))
