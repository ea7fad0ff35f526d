"""What changed between two scans of one account: resources, keys and key policy statuses.

Both sides are compared in their CSV form (every cell a string), so a scan in memory and a
scan read back from its report folder compare alike.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from rich.table import Table
from rich.text import Text

from scanner import errors

log = logging.getLogger(__name__)

FINDINGS_CSV = "findings.csv"
KEYS_CSV = "keys.csv"
SUMMARY_JSON = "summary.json"

RESOURCE_ID = ["region", "service", "resource_type", "resource_id"]
KEY_ID = ["region", "key_id"]


class Kind:
    RESOURCE_ADDED = "resource added"
    RESOURCE_REMOVED = "resource removed"
    RESOURCE_REKEYED = "resource re-keyed"
    RESOURCE_RECLASSIFIED = "encryption changed"
    KEY_ADDED = "key added"
    KEY_REMOVED = "key removed"
    POLICY_CHANGED = "policy status changed"


MEANINGS = {
    Kind.RESOURCE_ADDED: "The resource was found by the later scan only.",
    Kind.RESOURCE_REMOVED: "The resource was found by the earlier scan only.",
    Kind.RESOURCE_REKEYED: "The resource is protected by a different KMS key than before.",
    Kind.RESOURCE_RECLASSIFIED: "Same key (or none), but the kind of encryption changed.",
    Kind.KEY_ADDED: "The KMS key was seen by the later scan only.",
    Kind.KEY_REMOVED: "The KMS key was seen by the earlier scan only.",
    Kind.POLICY_CHANGED: "The key policy's comparison with the reference changed.",
}


@dataclass(frozen=True, slots=True)
class Change:
    change: str
    region: str
    service: str
    item_type: str
    item_id: str
    item_arn: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class ScanTables:
    """One account's scan in its CSV form."""

    account_id: str
    scan_id: str
    started_utc: str
    findings: pd.DataFrame
    keys: pd.DataFrame


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with every cell a string, as it reads back from its CSV."""
    return frame.astype(str)


def load(folder: Path) -> ScanTables:
    """One account's scan read back from its report folder."""
    facts = json.loads((folder / SUMMARY_JSON).read_text(encoding="utf-8"))
    return ScanTables(
        account_id=str(facts["account_id"]),
        scan_id=str(facts["scan_id"]),
        started_utc=str(facts.get("started_utc", "")),
        findings=_read_csv(folder / FINDINGS_CSV),
        keys=_read_csv(folder / KEYS_CSV),
    )


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def compare(before: ScanTables, after: ScanTables) -> list[Change]:
    """Every change from one scan of an account to a later one, in a stable order."""
    found = _resource_changes(before.findings, after.findings)
    found += _key_changes(before.keys, after.keys)
    return sorted(found, key=lambda c: (c.region, c.change, c.service, c.item_type, c.item_id))


def _by_id(frame: pd.DataFrame, columns: list[str]) -> dict[tuple, dict]:
    return {tuple(row[name] for name in columns): row for row in frame.to_dict("records")}


def _resource_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[Change]:
    old, new = _by_id(before, RESOURCE_ID), _by_id(after, RESOURCE_ID)
    found = [_resource(Kind.RESOURCE_ADDED, new[i], None, new[i]) for i in new.keys() - old]
    found += [_resource(Kind.RESOURCE_REMOVED, old[i], old[i], None) for i in old.keys() - new]

    for ident in old.keys() & new.keys():
        was, now = old[ident], new[ident]
        if _key_of(was) != _key_of(now):
            found.append(_resource(Kind.RESOURCE_REKEYED, now, was, now))
        elif was["encryption"] != now["encryption"]:
            found.append(_resource(Kind.RESOURCE_RECLASSIFIED, now, was, now))

    return found


def _key_of(row: dict) -> str:
    return row["key_arn"] or row["key_reference"]


def _resource(kind: str, row: dict, was: dict | None, now: dict | None) -> Change:
    return Change(
        change=kind,
        region=row["region"],
        service=row["service"],
        item_type=row["resource_type"],
        item_id=row["resource_id"],
        item_arn=row["resource_arn"],
        before=_protection(was),
        after=_protection(now),
    )


def _protection(row: dict | None) -> str:
    """A resource's encryption and key in a few words: 'aws_managed alias/aws/s3 (1234abcd-...)'."""
    if row is None:
        return ""

    key = row["key_arn"] or row["key_reference"]
    key_id = f"({key.rsplit('/', 1)[-1]})" if key else ""
    words = [row["encryption"], row["key_alias"], key_id]
    if row["error_code"]:
        words.append(f"[{row['error_code']}]")

    return " ".join(word for word in words if word)


def _key_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[Change]:
    # Aliases that have no key yet carry no key id; a key created for one shows as added.
    old = _by_id(before[before["key_id"] != ""], KEY_ID)
    new = _by_id(after[after["key_id"] != ""], KEY_ID)
    found = [_key(Kind.KEY_ADDED, new[i], "", _key_words(new[i])) for i in new.keys() - old]
    found += [_key(Kind.KEY_REMOVED, old[i], _key_words(old[i]), "") for i in old.keys() - new]

    for ident in old.keys() & new.keys():
        was, now = old[ident], new[ident]
        if was["policy_status"] != now["policy_status"]:
            found.append(_key(Kind.POLICY_CHANGED, now, _policy_words(was), _policy_words(now)))

    return found


def _key(kind: str, row: dict, before: str, after: str) -> Change:
    return Change(kind, row["region"], "kms", "key", row["key_id"], row["key_arn"], before, after)


def _key_words(row: dict) -> str:
    words = [row["key_manager"], row["key_alias"], row["key_state"]]
    return " ".join(word for word in words if word)


def _policy_words(row: dict) -> str:
    version = f"({row['live_policy_id']})" if row["live_policy_id"] else ""
    return " ".join(word for word in (row["policy_status"], version) if word)


def earlier_scan(out_dir: Path, account_id: str, scan_id: str, started_utc: str) -> Path | None:
    """The latest complete report folder of the same account that started before this scan."""
    candidates = []
    for folder in out_dir.glob(f"*/{account_id}"):
        if folder.parent.name == scan_id or folder.parent.name.startswith("."):
            continue

        started = _started(folder)
        # Start times are to the second: a scan that started in the same second counts too.
        if started and started <= started_utc:
            candidates.append((started, folder.parent.name, folder))

    if not candidates:
        return None

    return max(candidates)[2]


def _started(folder: Path) -> str:
    """When a complete report folder's scan started, or '' for anything else."""
    names = (SUMMARY_JSON, FINDINGS_CSV, KEYS_CSV)
    if not all((folder / name).is_file() for name in names):
        return ""

    try:
        facts = json.loads((folder / SUMMARY_JSON).read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        log.warning("ignoring %s: its %s is not valid JSON", folder, SUMMARY_JSON)
        return ""

    return str(facts.get("started_utc", ""))


def locate(name: str, out_dir: Path) -> dict[str, Path]:
    """Account report folders, by account id, of a scan id under out_dir or a scan folder."""
    folder = Path(name)
    if not folder.is_dir():
        folder = out_dir / name
    if not folder.is_dir():
        raise errors.UserError(
            f"no scan {name}: not a folder, nor a scan id under {out_dir}", errors.EXIT_USAGE
        )

    accounts = [folder] if (folder / SUMMARY_JSON).is_file() else sorted(folder.iterdir())
    found = {_account_id(path): path for path in accounts if _started(path)}
    if not found:
        raise errors.UserError(f"{folder} holds no account reports", errors.EXIT_USAGE)

    return found


def _account_id(folder: Path) -> str:
    facts = json.loads((folder / SUMMARY_JSON).read_text(encoding="utf-8"))
    return str(facts["account_id"])


def compare_scans(first: str, second: str, out_dir: Path) -> dict[str, list[Change]]:
    """Changes per account from scan `first` to scan `second`, for the accounts both scanned."""
    before, after = locate(first, out_dir), locate(second, out_dir)
    common = sorted(before.keys() & after.keys())
    if not common:
        raise errors.UserError(f"scans {first} and {second} share no account", errors.EXIT_USAGE)

    for account in sorted(before.keys() ^ after.keys()):
        log.warning("account %s is in only one of the two scans; not compared", account)

    return {account: compare(load(before[account]), load(after[account])) for account in common}


def table(changes: dict[str, list[Change]]) -> Table:
    """The changes as a table for the terminal."""
    view = Table()
    for name in ("account", "change", "region", "service", "type", "item", "before", "after"):
        # Ids and ARNs are folded onto more lines, never cut short.
        view.add_column(name, overflow="fold")

    for account, found in changes.items():
        for change in found:
            # Values come from AWS: shown as plain text, never as console markup.
            cells = (account, change.change, change.region, change.service, change.item_type)
            cells += (change.item_id, change.before, change.after)
            view.add_row(*(Text(cell) for cell in cells))

    return view


def json_lines(changes: dict[str, list[Change]]) -> Iterator[str]:
    """The changes as JSON lines, one object per change with its account, for pipelines."""
    for account, found in changes.items():
        for change in found:
            yield json.dumps({"account_id": account, **asdict(change)})
