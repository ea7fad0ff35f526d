"""Keep the reference dataset current: take policies from an account, keep versions, diff.

A refresh reads one region of a live account: ListAliases, then for each alias/aws/* alias
that has a key, DescribeKey and GetKeyPolicy on the key's id. DescribeKey on an alias name
with no key makes AWS create that key, so it happens only for --create-missing, after the
caller has confirmed it.

Files are written in one stored form (see policy.storage_json), and a policy whose meaning
has not changed keeps its file's own content, so a refresh that finds nothing new changes
no byte, whatever order AWS returns lists in.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from scanner import errors
from scanner.engine import USER_AGENT
from scanner.policy import (
    PLACEHOLDER_ACCOUNT,
    PLACEHOLDER_REGION,
    Change,
    change_lines,
    changes,
    storage_json,
    unfill_placeholders,
)
from scanner.reference import (
    INDEX_FILE,
    ReferenceDataset,
    load_dataset,
    load_index,
    load_policy,
    service_of_alias,
)

log = logging.getLogger(__name__)

# A key that cannot be read this time: a row with its code, and the file left as it was.
TOLERATED = (
    errors.ACCESS_DENIED
    | errors.THROTTLED
    | {"NotFoundException", "KMSInvalidStateException", "DisabledException"}
)


class Outcome(StrEnum):
    """What a refresh did with one alias."""

    UNCHANGED = "unchanged"  # same meaning, file already in stored form: nothing written
    REWRITTEN = "rewritten"  # same meaning, the file's own content rewritten in stored form
    NEW = "new"  # no file before
    UPDATED = "updated"  # a newer Id: the old file moved to history
    OLDER = "older"  # the account holds a version older than the dataset's: kept
    CHANGED_SAME_ID = "changed-same-id"  # meaning changed but not the Id: not written
    NO_KEY = "no-key"  # the alias has no key in this region: skipped
    NOT_AWS_MANAGED = "not-aws-managed"
    UNREADABLE = "unreadable"


# Outcomes that leave the dataset possibly behind the account, and so a partial refresh.
GAPS = frozenset(
    {Outcome.CHANGED_SAME_ID, Outcome.NOT_AWS_MANAGED, Outcome.UNREADABLE},
)


@dataclass(frozen=True)
class ManagedAlias:
    """An alias/aws/* alias as ListAliases shows it."""

    name: str
    arn: str = ""
    target_key_id: str | None = None

    @property
    def service(self) -> str:
        return service_of_alias(self.name) or ""


@dataclass(frozen=True)
class Taken:
    """One alias's policy as read from the account, placeholders in; or why it was not."""

    alias: str
    policy: dict | None = None
    region: str = ""
    outcome: Outcome | None = None  # set when there is no policy
    error_code: str = ""
    created: bool = False


@dataclass(frozen=True)
class Result:
    """One alias's line in a refresh's report."""

    alias: str
    outcome: Outcome
    policy_id: str = ""
    previous_id: str = ""
    error_code: str = ""
    created: bool = False


def kms_client(session: Any, region: str | None) -> Any:
    """A KMS client whose retries are the SDK's own."""
    config = Config(retries={"mode": "standard", "max_attempts": 6}, user_agent_extra=USER_AGENT)
    return session.client("kms", region_name=region, config=config)


def managed_aliases(kms: Any) -> list[ManagedAlias]:
    """Every alias/aws/* alias of the client's region, every page read."""
    found = []
    for page in kms.get_paginator("list_aliases").paginate():
        for alias in page.get("Aliases", []):
            if service_of_alias(alias["AliasName"]):
                found.append(
                    ManagedAlias(
                        alias["AliasName"], alias.get("AliasArn", ""), alias.get("TargetKeyId")
                    )
                )

    return sorted(found, key=lambda alias: alias.name)


def refresh(
    kms: Any,
    folder: Path,
    create_missing: bool = False,
    confirm: Callable[[list[ManagedAlias]], bool] | None = None,
    today: date | None = None,
) -> list[Result]:
    """Take every managed alias's policy from the account and bring the folder up to date."""
    aliases = managed_aliases(kms)
    missing = [alias for alias in aliases if alias.target_key_id is None]
    if create_missing and missing and not (confirm and confirm(missing)):
        log.warning("creating the missing keys was not confirmed: they are skipped")
        create_missing = False

    taken = [take(kms, alias, create_missing) for alias in aliases]
    return apply(folder, taken, today or date.today())


def take(kms: Any, alias: ManagedAlias, create_missing: bool = False) -> Taken:
    """The alias's key policy with the placeholders in, or the reason there is none."""
    if alias.target_key_id is not None:
        return _take_key(kms, alias.name, alias.target_key_id)

    if create_missing:
        return _create_and_take(kms, alias.name)

    log.info("%s has no key in this region: skipped", alias.name)
    return Taken(alias.name, outcome=Outcome.NO_KEY)


def _create_and_take(kms: Any, alias_name: str) -> Taken:
    # DescribeKey on the alias name is what makes AWS create an AWS managed key.
    log.warning("DescribeKey on %s: AWS creates its key", alias_name)
    return replace(_take_key(kms, alias_name, alias_name), created=True)


def _take_key(kms: Any, alias_name: str, key: str) -> Taken:
    try:
        metadata = kms.describe_key(KeyId=key)["KeyMetadata"]
        if metadata.get("KeyManager") != "AWS":
            log.warning("%s points at %s, not an AWS managed key", alias_name, metadata["KeyId"])
            return Taken(alias_name, outcome=Outcome.NOT_AWS_MANAGED)

        reply = kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")
    except ClientError as error:
        code = errors.error_code(error)
        if code not in TOLERATED:
            raise

        log.warning("%s could not be read: %s", alias_name, code)
        return Taken(alias_name, outcome=Outcome.UNREADABLE, error_code=code)

    return _with_placeholders(alias_name, metadata["Arn"], reply.get("Policy", ""))


def _with_placeholders(alias_name: str, key_arn: str, text: str) -> Taken:
    # A key ARN reads arn:PARTITION:kms:REGION:ACCOUNT:key/ID.
    _, partition, _, region, account, _ = key_arn.split(":", 5)
    try:
        policy = json.loads(text)
    except ValueError:
        log.warning("%s has a key policy that is not JSON", alias_name)
        return Taken(alias_name, outcome=Outcome.UNREADABLE, error_code="PolicyNotJson")

    return Taken(alias_name, unfill_placeholders(policy, account, region, partition), region)


def apply(folder: Path, taken: Iterable[Taken], today: date) -> list[Result]:
    """Write what was taken into the folder: new files, history, index; nothing unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(file.name != INDEX_FILE for file in folder.glob("*.json")):
        load_dataset(folder)  # an unusable file stops the refresh before anything is written

    loaded = load_index(folder)
    index = copy.deepcopy(loaded)
    results = [_apply_one(folder, index, item, today) for item in taken]
    if index != loaded:
        _write_if_changed(folder / INDEX_FILE, _index_json(index))
    return results


def _apply_one(folder: Path, index: dict, taken: Taken, today: date) -> Result:
    if taken.policy is None:
        outcome = taken.outcome or Outcome.UNREADABLE
        return Result(taken.alias, outcome, error_code=taken.error_code, created=taken.created)

    file = folder / f"{service_of_alias(taken.alias)}.json"
    new_id = _id(taken.policy)
    entry = {"id": new_id, "region": taken.region, "taken": today.isoformat()}
    current = load_policy(file) if file.is_file() else None
    result = Result(taken.alias, Outcome.NEW, new_id, _id(current or {}), created=taken.created)

    if current is None:
        _write_if_changed(file, storage_json(taken.policy))
        index[taken.alias] = entry
        return result

    if not changes(taken.policy, current):
        wrote = _write_if_changed(file, storage_json(current))
        if index.get(taken.alias, {}).get("id") != new_id:
            index[taken.alias] = entry
        return replace(result, outcome=Outcome.REWRITTEN if wrote else Outcome.UNCHANGED)

    return _apply_change(file, index, taken, entry, result)


def _apply_change(file: Path, index: dict, taken: Taken, entry: dict, result: Result) -> Result:
    history = file.parent / "history" / file.stem
    if _is_older(result.policy_id, result.previous_id, history):
        log.warning("%s: the account holds %s, older than the dataset's", taken.alias, entry["id"])
        return replace(result, outcome=Outcome.OLDER)

    if result.policy_id == result.previous_id:
        log.warning("%s changed without a new Id (%s): not written", taken.alias, entry["id"])
        return replace(result, outcome=Outcome.CHANGED_SAME_ID)

    _to_history(file, history / f"{result.previous_id or 'no-id'}.json")
    _write_if_changed(file, storage_json(taken.policy))
    index[taken.alias] = entry
    return replace(result, outcome=Outcome.UPDATED)


def _to_history(file: Path, target: Path) -> None:
    # The older file moves as it is, byte for byte; one already kept there is not replaced.
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        log.warning("%s is already in history: kept, and %s replaced", target.name, file.name)
        return

    os.replace(file, target)


def _is_older(new_id: str, current_id: str, history: Path) -> bool:
    if (history / f"{new_id}.json").is_file():
        return True

    new, current = _version(new_id), _version(current_id)
    return bool(new and current and new[0] == current[0] and new[1] < current[1])


def _version(policy_id: str) -> tuple[str, int] | None:
    # AWS numbers a managed key policy's versions: auto-sns-1, auto-sns-2.
    stem, _, number = policy_id.rpartition("-")
    return (stem, int(number)) if stem and number.isdigit() else None


def _write_if_changed(file: Path, text: str) -> bool:
    if file.is_file() and file.read_bytes() == text.encode("utf-8"):
        return False

    partial = file.with_name(f".{file.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, file)
    log.info("wrote %s", file)
    return True


def _index_json(aliases: dict) -> str:
    index = {
        "placeholders": {"account": PLACEHOLDER_ACCOUNT, "region": PLACEHOLDER_REGION},
        "aliases": dict(sorted(aliases.items())),
    }
    return json.dumps(index, indent=2, sort_keys=True) + "\n"


def _id(policy: dict) -> str:
    return str(policy.get("Id", ""))


def listing(dataset: ReferenceDataset, index: dict) -> list[tuple[str, str, str, str, str]]:
    """Per alias: its policy Id, the older Ids known, and the region and date it was taken."""
    rows = []
    for service in dataset.services():
        alias, current = f"alias/aws/{service}", _id(dataset.current(service) or {})
        older = ", ".join(_id(policy) for policy in dataset.history(service))

        # An index entry for another Id tells where that version came from, not this one.
        entry = index.get(alias, {})
        taken = entry if entry.get("id") == current else {}
        rows.append((alias, current, older, taken.get("region", ""), taken.get("taken", "")))

    return rows


@dataclass(frozen=True)
class ServiceDiff:
    """How one service's policies differ between two datasets."""

    service: str
    old_id: str | None  # None when the old dataset has no policy for it
    new_id: str | None
    changes: tuple[Change, ...] = ()
    history_added: tuple[str, ...] = ()
    history_removed: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The service's header, then one indented line per change."""
        if self.old_id is None:
            head = f"{self.service}: added ({self.new_id})"
        elif self.new_id is None:
            head = f"{self.service}: removed (was {self.old_id})"
        elif self.old_id != self.new_id:
            head = f"{self.service}: {self.old_id} -> {self.new_id}"
        else:
            head = f"{self.service}: {self.new_id}"

        body = [line for change in self.changes for line in change_lines(change)]
        body += [f"history adds {policy_id}" for policy_id in self.history_added]
        body += [f"history drops {policy_id}" for policy_id in self.history_removed]
        return [head] + [f"  {line}" for line in body]


def diff(old: ReferenceDataset, new: ReferenceDataset) -> list[ServiceDiff]:
    """The services whose policies or known versions differ in meaning, sorted by name."""
    found = []
    for service in sorted(set(old.services()) | set(new.services())):
        entry = _service_diff(service, old, new)
        if entry is not None:
            found.append(entry)

    return found


def _service_diff(service: str, old: ReferenceDataset, new: ReferenceDataset) -> ServiceDiff | None:
    before, after = old.current(service), new.current(service)
    old_ids = {_id(policy) for policy in old.history(service)}
    new_ids = {_id(policy) for policy in new.history(service)}
    if before is None or after is None:
        return ServiceDiff(service, _id(before) if before else None, _id(after) if after else None)

    # The Id is the header's; every other field and statement is a change of its own.
    found = tuple(
        change for change in changes(after, before) if change.field != "Id" or change.statement
    )
    if not found and _id(before) == _id(after) and old_ids == new_ids:
        return None

    return ServiceDiff(
        service,
        _id(before),
        _id(after),
        found,
        tuple(sorted(new_ids - old_ids)),
        tuple(sorted(old_ids - new_ids)),
    )


class SourceError(Exception):
    """A dataset given to diff that is neither a folder nor a git revision holding one."""


def open_dataset(
    source: str, repo: Path = Path("."), inside: str = "reference"
) -> ReferenceDataset:
    """The dataset in a folder, or at a git revision of a repository (read with git show)."""
    if Path(source).is_dir():
        return load_dataset(Path(source))

    if not _is_revision(repo, source):
        raise SourceError(f"{source} is neither a folder nor a git revision of {repo}")

    with tempfile.TemporaryDirectory(prefix="amk-reference-") as folder:
        _extract(repo, source, inside.strip("/"), Path(folder))
        return load_dataset(Path(folder))


def _is_revision(repo: Path, revision: str) -> bool:
    probe = _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{tree}}", check=False)
    return probe.returncode == 0


def _extract(repo: Path, revision: str, inside: str, folder: Path) -> None:
    listed = _git(repo, "ls-tree", "-r", "-z", "--full-tree", "--name-only", revision, "--", inside)
    for name in filter(None, listed.stdout.decode("utf-8").split("\0")):
        relative = Path(name).relative_to(inside)
        if not _is_dataset_file(relative):
            continue

        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_git(repo, "show", f"{revision}:{name}").stdout)


def _is_dataset_file(relative: Path) -> bool:
    parts = relative.parts
    top_level = len(parts) == 1 and relative.suffix == ".json"
    return top_level or (len(parts) == 3 and parts[0] == "history" and relative.suffix == ".json")


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=check)
    except FileNotFoundError as error:
        raise SourceError("git is not installed; give dataset folders instead") from error
    except subprocess.CalledProcessError as error:
        reason = error.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise SourceError(f"git {args[0]} failed: {reason[0]}") from error
