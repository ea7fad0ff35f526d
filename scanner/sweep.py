"""Sweeps: every account of an AWS Organization (or a list), each through an assumed role.

Each member's role is assumed from the base session, never from another member's
credentials, and refreshed before it expires. Accounts run concurrently on one event loop
under a bound; one account failing gives it a FAILED row and the others carry on.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aioboto3
import pandas as pd
from aiobotocore.credentials import AioRefreshableCredentials
from aiobotocore.session import get_session
from botocore.exceptions import (
    ClientError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from scanner import errors, report
from scanner.cells import safe_text
from scanner.engine import Aws, Limits
from scanner.reference import ReferenceDataset
from scanner.scan import run_scan

log = logging.getLogger(__name__)

OK, PARTIAL, FAILED, SKIPPED, NOT_STARTED = "OK", "PARTIAL", "FAILED", "SKIPPED", "NOT_STARTED"
SSO_EXPIRED = (TokenRetrievalError, SSOTokenLoadError, UnauthorizedSSOTokenError)
SHARD_INDEX_VARIABLES = ("AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX")
ACCOUNT_ID = re.compile(r"[0-9]{12}")  # ASCII digits only: str.isdigit takes others too
ROLE_SECONDS = 3600  # the most a chained role session may last


@dataclass
class Account:
    account_id: str
    name: str = ""
    ou_path: str = ""
    org_status: str = "ACTIVE"


@dataclass
class Outcome:
    account_id: str
    name: str
    ou_path: str
    status: str
    reason: str = ""


@dataclass
class SweepOptions:
    scan_id: str
    out: Path
    regions: list[str] | None
    services: list[str]
    role_name: str = "OrganizationAccountAccessRole"
    external_id: str | None = None
    session_name: str = "aws-managed-key-scanner"
    max_accounts: int = 4
    resume: bool = False
    shard: tuple[int, int] | None = None
    limits: Limits = field(default_factory=Limits)


class SweepAborted(errors.UserError):
    """The base credentials stopped working: accounts not started were left alone."""


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`I/N`, or `N` with the index from a batch scheduler's environment variable."""
    if not text:
        return None

    index_text, _, count_text = text.rpartition("/")
    if not index_text:
        index_text = next((os.environ[v] for v in SHARD_INDEX_VARIABLES if v in os.environ), "")

    try:
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise errors.UserError(
            f"--shard takes I/N, or N with {' or '.join(SHARD_INDEX_VARIABLES)} set: {text}",
            errors.EXIT_USAGE,
        ) from None

    if count < 1 or not 0 <= index < count:
        raise errors.UserError(f"shard index out of range: {index}/{count}", errors.EXIT_USAGE)

    return index, count


def shard_of(account_id: str, count: int) -> int:
    """The shard an account belongs to: the same on every machine, whatever the account list."""
    digest = hashlib.sha256(account_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def read_accounts_file(path: Path) -> list[str]:
    """Account ids, one per line; blank lines and # comments are ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise errors.UserError(f"cannot read accounts file {path} ({error.strerror})") from error

    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def check_account_ids(ids: list[str]) -> list[str]:
    """Twelve-digit account ids, or an error naming the first that is not one."""
    for account_id in ids:
        if not ACCOUNT_ID.fullmatch(account_id):
            raise errors.UserError(f"malformed account id: {account_id}", errors.EXIT_USAGE)

    return ids


async def organization_accounts(aws: Aws, home: str, ous: list[str]) -> list[Account]:
    """The organization's accounts with their OU path, only those under the OUs if given."""
    client = await aws.client("organizations", home)
    paginator = client.get_paginator("list_accounts")
    accounts = [
        Account(item["Id"], item.get("Name", ""), "", item.get("State") or item.get("Status", ""))
        async for page in paginator.paginate()
        for item in page["Accounts"]
    ]
    names: dict[str, str] = {}
    wanted = set(ous)
    kept = []
    for account in accounts:
        chain = await _parent_chain(client, account.account_id)
        account.ou_path = "/".join([await _ou_name(client, names, ou) for ou in chain])
        if not wanted or wanted & set(chain):
            kept.append(account)

    return kept


async def _parent_chain(client: object, account_id: str) -> list[str]:
    chain, child = [], account_id
    while True:
        parent = (await client.list_parents(ChildId=child))["Parents"][0]
        if parent["Type"] == "ROOT":
            return list(reversed(chain))

        chain.append(parent["Id"])
        child = parent["Id"]


async def _ou_name(client: object, names: dict[str, str], ou_id: str) -> str:
    if ou_id not in names:
        reply = await client.describe_organizational_unit(OrganizationalUnitId=ou_id)
        names[ou_id] = reply["OrganizationalUnit"]["Name"]

    return names[ou_id]


def select(accounts: list[Account], exclude: list[str], shard: tuple[int, int] | None):
    """The accounts this run scans, and the ones it records as skipped."""
    chosen, skipped = [], []
    for account in sorted(accounts, key=lambda a: a.account_id):
        if account.account_id in exclude:
            continue

        if shard and shard_of(account.account_id, shard[1]) != shard[0]:
            continue

        if account.org_status not in ("ACTIVE", ""):
            skipped.append(
                Outcome(
                    account.account_id,
                    account.name,
                    account.ou_path,
                    SKIPPED,
                    f"account is {account.org_status}",
                )
            )
        else:
            chosen.append(account)

    return chosen, skipped


class Sweep:
    """Runs the accounts of one sweep with a bound on how many run at once."""

    def __init__(
        self,
        base: aioboto3.Session,
        base_account: str,
        options: SweepOptions,
        dataset: ReferenceDataset,
    ):
        self.base = base
        self.base_account = base_account
        self.options = options
        self.dataset = dataset
        self.home = base.region_name or "us-east-1"
        self.aborted: str = ""
        self.slots = asyncio.Semaphore(options.max_accounts)

    async def run(self, accounts: list[Account]) -> list[Outcome]:
        """Scan every account; an expired base session stops the ones not yet started."""
        async with Aws(self.base, self.options.limits) as base_aws:
            self.base_aws = base_aws
            return list(await asyncio.gather(*(self._account(a) for a in accounts)))

    async def _account(self, account: Account) -> Outcome:
        async with self.slots:
            if self.aborted:
                return self._outcome(account, NOT_STARTED, self.aborted)

            folder = self.options.out / self.options.scan_id / account.account_id
            if self.options.resume and folder.is_dir():
                return self._outcome(account, _status_of(folder), "complete in an earlier run")

            return await self._scan(account)

    async def _scan(self, account: Account) -> Outcome:
        try:
            session = await self._session_for(account.account_id)
            result = await run_scan(
                session,
                self.options.regions,
                self.options.services,
                self.dataset,
                self.options.limits,
                strict_regions=False,
            )
            report.write_account(result, self.options.scan_id, self.options.out)
        except SSO_EXPIRED as error:
            self.aborted = f"base credentials expired ({type(error).__name__})"
            return self._outcome(account, FAILED, self.aborted)
        except ClientError as error:
            code = errors.error_code(error)
            operation = error.operation_name or "call"
            log.warning("%s: %s failed: %s", account.account_id, operation, code)
            return self._outcome(account, FAILED, f"{operation}: {code}")
        except errors.UserError as error:
            return self._outcome(account, FAILED, str(error))

        if result.credentials_refused:
            reason = f"credentials refused mid-scan ({result.credentials_refused})"
            return self._outcome(account, PARTIAL, reason)

        return self._outcome(account, PARTIAL if result.partial else OK)

    def _outcome(self, account: Account, status: str, reason: str = "") -> Outcome:
        return Outcome(account.account_id, account.name, account.ou_path, status, reason)

    async def _session_for(self, account_id: str) -> aioboto3.Session:
        # The base credentials' own account needs no role.
        if account_id == self.base_account:
            return self.base

        role_arn = f"arn:aws:iam::{account_id}:role/{self.options.role_name}"

        async def fetch() -> dict:
            return await self._assume(role_arn)

        core = get_session()
        # A refreshable credential object re-assumes the role from the base session before it
        # expires; botocore has no public setter for a session's credentials.
        core._credentials = AioRefreshableCredentials.create_from_metadata(
            await fetch(), refresh_using=fetch, method="sts-assume-role"
        )
        return aioboto3.Session(botocore_session=core, region_name=self.home)

    async def _assume(self, role_arn: str) -> dict:
        sts = await self.base_aws.client("sts", self.home)
        extra = {"ExternalId": self.options.external_id} if self.options.external_id else {}
        reply = await sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName=self.options.session_name,
            DurationSeconds=ROLE_SECONDS,
            **extra,
        )
        credentials = reply["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }


def _status_of(folder: Path) -> str:
    facts = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return PARTIAL if facts.get("status") == "PARTIAL" else OK


def record(outcomes: list[Outcome], options: SweepOptions) -> Path:
    """Write this run's outcomes beside the account folders, for resume and merge."""
    shard = f"{options.shard[0]}-of-{options.shard[1]}" if options.shard else "all"
    folder = options.out / options.scan_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sweep-{shard}.json"
    earlier = _read_outcomes(path) if options.resume and path.exists() else {}
    merged = {**earlier, **{o.account_id: o for o in outcomes}}
    _write_atomically(path, json.dumps([asdict(o) for o in merged.values()], indent=2))
    return path


def _read_outcomes(path: Path) -> dict[str, Outcome]:
    return {item["account_id"]: Outcome(**item) for item in json.loads(path.read_text())}


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.rename(path)


SUMMARY_COLUMNS = [
    "account_id",
    "account_name",
    "ou_path",
    "status",
    "reason",
    "resources",
    "aws_managed",
    "customer_managed",
    "aws_owned",
    "not_encrypted",
    "unknown",
    "hidden_keys",
    "aliases_not_created",
    "policies_differing",
    "coverage_gaps",
]


def summarize(scan_folder: Path) -> pd.DataFrame:
    """One row per account of a sweep: its outcome, and counts from its reports."""
    outcomes: dict[str, Outcome] = {}
    for path in sorted(scan_folder.glob("sweep-*.json")):
        outcomes.update(_read_outcomes(path))

    rows = [
        _summary_row(outcome, scan_folder / outcome.account_id)
        for outcome in sorted(outcomes.values(), key=lambda o: o.account_id)
    ]
    services = sorted({c for row in rows for c in row if c.startswith("service_")})
    frame = pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS + services)
    counts = frame.columns[5:]
    # Counts stay blank for an account with no report: a failed account is not a clean one.
    scanned = frame["resources"].notna()
    frame.loc[scanned, counts] = frame.loc[scanned, counts].fillna(0)
    frame[counts] = frame[counts].astype("Int64")
    return frame


def _summary_row(outcome: Outcome, folder: Path) -> dict:
    row: dict = {
        "account_id": outcome.account_id,
        "account_name": outcome.name,
        "ou_path": outcome.ou_path,
        "status": outcome.status,
        "reason": outcome.reason,
    }
    if not (folder / "summary.json").exists():
        return row

    facts = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    row.update({key: facts[key] for key in SUMMARY_COLUMNS if key in facts})
    row.update(facts["by_encryption"])
    findings = pd.read_csv(folder / "findings.csv", usecols=["service"], dtype=str)
    row.update({f"service_{k}": int(v) for k, v in findings["service"].value_counts().items()})
    return row


def write_summary(scan_folder: Path) -> tuple[Path, Path]:
    """summary.csv and summary.xlsx (accounts and organization-wide totals) for a sweep."""
    frame = summarize(scan_folder)
    totals = frame.drop(columns=["account_id", "account_name", "ou_path", "status", "reason"])
    totals = totals.sum().astype(int)
    by_status = frame["status"].value_counts()
    totals_frame = pd.DataFrame(
        [("accounts", len(frame))]
        + [(f"accounts {s}", int(n)) for s, n in by_status.items()]
        + list(totals.items()),
        columns=["measure", "total"],
    )
    csv_path, xlsx_path = scan_folder / "summary.csv", scan_folder / "summary.xlsx"
    _write_atomically(csv_path, frame.to_csv(index=False).rstrip("\n"))
    partial = xlsx_path.with_name(f".summary.partial-{os.getpid()}.xlsx")
    with pd.ExcelWriter(partial, engine="openpyxl") as writer:
        frame.map(safe_text).to_excel(writer, sheet_name="Accounts", index=False)
        totals_frame.to_excel(writer, sheet_name="Organization totals", index=False)
    partial.rename(xlsx_path)
    return csv_path, xlsx_path


def exit_code(frame: pd.DataFrame) -> int:
    """0 when every account scanned completely, 1 when none did, 3 in between."""
    statuses = set(frame["status"]) - {SKIPPED}
    if not statuses or statuses == {OK}:
        return errors.EXIT_OK

    if statuses <= {FAILED, NOT_STARTED}:
        return errors.EXIT_FAILED

    return errors.EXIT_PARTIAL
