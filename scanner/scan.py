"""One account's scan: regions, collectors, KMS inventory, classification."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType

import aioboto3
from botocore.exceptions import ClientError

from scanner import catalog, errors, kms, resolve
from scanner.collectors import COLLECTORS
from scanner.engine import NETWORK_ERRORS, Aws, CallLog, Limits, Scope, partition, together
from scanner.records import (
    Coverage,
    CoverageStatus,
    Finding,
    Key,
    KeyRow,
    PolicyStatus,
    PolicyVerdict,
    Resource,
)
from scanner.reference import ReferenceDataset, service_of_alias

log = logging.getLogger(__name__)

# Called with (region, service, total) after each collector, and once with ("", "", total).
Progress = Callable[[str, str, int], None]

ENABLED_STATUSES = frozenset({"opt-in-not-required", "opted-in"})


@dataclass(slots=True)
class AccountScan:
    """Everything one account's scan found, ready for the report."""

    account_id: str
    caller_arn: str
    started: datetime
    regions: list[str]
    services: list[str]
    finished: datetime | None = None
    findings: list[Finding] = field(default_factory=list)
    keys: list[KeyRow] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    credentials_refused: str = ""  # the error code, when AWS refused them mid-scan

    @property
    def partial(self) -> bool:
        gaps = any(entry.status in CoverageStatus.GAPS for entry in self.coverage)
        return gaps or bool(self.credentials_refused)


async def run_scan(
    session: aioboto3.Session,
    regions: list[str] | None,
    services: list[str],
    dataset: ReferenceDataset,
    limits: Limits | None = None,
    call_log: CallLog | None = None,
    progress: Progress | None = None,
    strict_regions: bool = True,
) -> AccountScan:
    """Scan the account of a session's credentials: identity, regions, then every region."""
    async with Aws(session, limits, call_log) as aws:
        home = session.region_name or "us-east-1"
        account_id, caller = await caller_identity(aws, home)
        chosen, disabled = choose_regions(await region_states(aws, home), regions, strict_regions)
        total = len(chosen) * sum(1 for name in services if name in COLLECTORS)
        tick = None
        if progress:
            progress("", "", total)

            def tick(region: str, service: str) -> None:
                progress(region, service, total)

        result = await scan_account(
            aws, account_id, caller, chosen, disabled, services, dataset, tick
        )
        result.credentials_refused = aws.credentials_refused
        return result


async def caller_identity(aws: Aws, region: str) -> tuple[str, str]:
    """The account id and caller ARN of the session's credentials."""
    sts = await aws.client("sts", region)
    identity = await sts.get_caller_identity()
    return identity["Account"], identity["Arn"]


async def region_states(aws: Aws, home: str) -> dict[str, str]:
    """Every region with its opt-in status, as the account sees it."""
    ec2 = await aws.client("ec2", home)
    reply = await ec2.describe_regions(AllRegions=True)
    # An account lives in one partition; regions of others are not its own.
    return {
        r["RegionName"]: r.get("OptInStatus", "opt-in-not-required")
        for r in reply["Regions"]
        if partition(r["RegionName"]) == partition(home)
    }


def choose_regions(
    states: dict[str, str], wanted: list[str] | None, strict: bool = True
) -> tuple[list[str], list[str]]:
    """The regions to scan and the disabled ones to report.

    A wanted region that the account has not enabled is an error in a single scan (strict),
    and a region_disabled coverage entry in a sweep, where accounts differ.
    """
    enabled = sorted(name for name, status in states.items() if status in ENABLED_STATUSES)
    if not wanted:
        return enabled, sorted(set(states) - set(enabled))

    for region in wanted:
        if region not in states:
            raise errors.UserError(f"unknown region: {region}", errors.EXIT_USAGE)

        if strict and region not in enabled:
            raise errors.UserError(
                f"region {region} is not enabled for this account", errors.EXIT_USAGE
            )

    chosen = sorted(set(wanted) & set(enabled))
    return chosen, sorted(set(wanted) - set(enabled))


async def scan_account(
    aws: Aws,
    account_id: str,
    caller_arn: str,
    regions: list[str],
    disabled: list[str],
    services: list[str],
    dataset: ReferenceDataset,
    progress: Callable[[str, str], None] | None = None,
) -> AccountScan:
    """Scan every region of one account and classify what was found."""
    result = AccountScan(account_id, caller_arn, datetime.now(UTC), regions, services)
    modules = [COLLECTORS[name] for name in services if name in COLLECTORS]

    parts = await together(
        *(scan_region(aws, account_id, region, modules, dataset, progress) for region in regions)
    )
    for findings, keys, coverage in parts:
        result.findings += findings
        result.keys += keys
        result.coverage += coverage

    result.coverage += [
        Coverage(account_id, region, "*", CoverageStatus.REGION_DISABLED, "RegionNotEnabled")
        for region in disabled
    ]
    result.finished = datetime.now(UTC)
    return result


async def scan_region(
    aws: Aws,
    account_id: str,
    region: str,
    modules: list[ModuleType],
    dataset: ReferenceDataset,
    progress: Callable[[str, str], None] | None,
) -> tuple[list[Finding], list[KeyRow], list[Coverage]]:
    """Collect a region's resources and resolve their keys against its KMS inventory."""
    kms_scope = Scope(aws, account_id, region, "kms", await aws.client("kms", region))
    inventory, *collected = await together(
        kms.list_inventory(kms_scope),
        *(run_collector(aws, account_id, region, module, progress) for module in modules),
    )

    resources = [resource for found, _ in collected for resource in found]
    coverage = [entry for _, entry in collected]
    coverage.append(_kms_coverage(account_id, region, inventory))

    lookups = [resolve.lookup(resource, inventory) for resource in resources]
    keys = await _describe_keys(kms_scope, inventory, lookups)
    verdicts = await _judge_policies(kms_scope, keys, lookups, dataset)

    findings = [
        resolve.classify(resource, found, keys, verdicts)
        for resource, found in zip(resources, lookups, strict=True)
    ]
    rows = resolve.key_rows(inventory, keys, verdicts, findings, account_id, region)
    return findings, rows, coverage


def _kms_coverage(account_id: str, region: str, inventory: kms.Inventory) -> Coverage:
    if inventory.error_code:
        status = errors.coverage_status(inventory.error_code)
        return Coverage(account_id, region, "kms", status, inventory.error_code)

    seen = len(inventory.listed)
    return Coverage(account_id, region, "kms", CoverageStatus.SCANNED, "", seen)


async def _describe_keys(
    scope: Scope, inventory: kms.Inventory, lookups: list[resolve.Lookup | None]
) -> dict[str, Key]:
    wanted = resolve.keys_to_describe(lookups, inventory)
    keys: dict[str, Key] = {}
    async for key in scope.each(lambda ref: kms.describe(scope, inventory, ref), wanted.values()):
        keys[key.key_id] = key

    return keys


async def _judge_policies(
    scope: Scope,
    keys: dict[str, Key],
    lookups: list[resolve.Lookup | None],
    dataset: ReferenceDataset,
) -> dict[str, PolicyVerdict]:
    managed = {key.key_id: key for key in keys.values() if key and key.is_aws_managed}
    via_alias = {
        kms.key_id_of(found.key_reference): found.alias
        for found in lookups
        if found and found.key_reference and found.alias
    }

    async def judge(key: Key) -> tuple[str, PolicyVerdict]:
        policy, code = await kms.read_policy(scope, key)
        if policy is None:
            return key.key_id, PolicyVerdict(PolicyStatus.UNREADABLE, error_code=code)

        service = _reference_service(key, via_alias.get(key.key_id, ""))
        region, account = scope.region, scope.account_id
        verdict = dataset.evaluate(service or "", policy, account, region, partition(region))
        return key.key_id, verdict

    return dict([pair async for pair in scope.each(judge, managed.values())])


def _reference_service(key: Key, alias: str) -> str | None:
    for name in [*key.aliases, alias]:
        service = service_of_alias(name)
        if service:
            return service

    return None


async def run_collector(
    aws: Aws,
    account_id: str,
    region: str,
    module: ModuleType,
    progress: Callable[[str, str], None] | None,
) -> tuple[list[Resource], Coverage]:
    """Run one collector; its failure becomes a coverage entry with the error code."""
    service = catalog.get(module.SERVICE)
    found: list[Resource] = []
    try:
        if catalog.absent_from(region, service.endpoint, partition(region)):
            return found, Coverage(
                account_id, region, service.name, CoverageStatus.NOT_AVAILABLE, "NoEndpointInRegion"
            )

        client = await aws.client(module.CLIENT, region)
        scope = Scope(aws, account_id, region, service.name, client)
        async for resource in module.collect(scope):
            found.append(resource)

        return found, _collected(account_id, region, service.name, found)
    except ClientError as error:
        code = errors.error_code(error)
        if code in errors.EXPIRED:
            aws.credentials_refused = code

        log.warning("%s %s %s: listing failed: %s", account_id, region, service.name, code)
        status = errors.coverage_status(code)
        return found, Coverage(account_id, region, service.name, status, code, len(found))
    except NETWORK_ERRORS as error:
        code = type(error).__name__
        log.warning("%s %s %s: %s", account_id, region, service.name, code)
        return found, Coverage(
            account_id, region, service.name, CoverageStatus.ERROR, code, len(found)
        )
    finally:
        if progress:
            progress(region, service.name)


def _collected(account_id: str, region: str, service: str, found: list[Resource]) -> Coverage:
    codes = [resource.error_code for resource in found if resource.error_code]
    if codes:
        return Coverage(account_id, region, service, CoverageStatus.PARTIAL, codes[0], len(found))

    return Coverage(account_id, region, service, CoverageStatus.SCANNED, "", len(found))
