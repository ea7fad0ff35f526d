"""The command line: scan an account (or the built-in sandbox), list services, show references."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import aioboto3
import boto3
import typer
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    ProxyConnectionError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scanner import catalog, changes, errors, member_role, refresh, report
from scanner.collectors import markdown_table, tested_on
from scanner.engine import Limits
from scanner.policy import fill_placeholders
from scanner.reference import (
    DEFAULT_REFERENCE_DIR,
    ReferenceDataError,
    ReferenceDataset,
    load_dataset,
    load_index,
)
from scanner.sandbox import REGIONS as SANDBOX_REGIONS
from scanner.scan import AccountScan, run_scan
from scanner.sweep import check_account_ids

log = logging.getLogger(__name__)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find the resources AWS managed KMS keys protect, and check those keys' policies.",
)
reference_app = typer.Typer(no_args_is_help=True, help="The reference key policies.")
app.add_typer(reference_app, name="reference")

stderr = Console(stderr=True)
stdout = Console()

SSO_ERRORS = (TokenRetrievalError, SSOTokenLoadError, UnauthorizedSSOTokenError)
FIXABLE = (
    ClientError,
    NoCredentialsError,
    ProfileNotFound,
    NoRegionError,
    EndpointConnectionError,
    ProxyConnectionError,
    *SSO_ERRORS,
)
AWS_CONFIG_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN")
IAM_POLICY = Path(__file__).with_name("iam_policy.json")
EXIT_INTERRUPTED = 130  # what a shell reports for a command stopped by SIGINT

Regions = Annotated[
    list[str] | None, typer.Option("--region", "-r", help="A region to scan; repeat for more.")
]
Services = Annotated[
    list[str] | None, typer.Option("--service", "-s", help="A service to scan; repeat for more.")
]


def main() -> None:
    """Console-script entry point."""
    app()


@app.command()
def scan(
    profile: Annotated[str | None, typer.Option(help="AWS config profile, SSO ones too.")] = None,
    region: Regions = None,
    service: Services = None,
    out: Annotated[Path, typer.Option(help="Folder for the reports.")] = Path("reports"),
    sandbox: Annotated[bool, typer.Option(help="Scan the built-in sandbox account.")] = False,
    reference: Annotated[
        Path, typer.Option(help="Reference dataset folder.")
    ] = DEFAULT_REFERENCE_DIR,
    max_calls: Annotated[int, typer.Option(min=1, max=512, help="API calls in flight.")] = 48,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no info.")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logs.")] = 0,
) -> None:
    """Scan one account in every enabled region (or those given) and write its reports."""
    _configure_logging(quiet, verbose)
    try:
        code = _scan(profile, region, service, out, sandbox, reference, max_calls, quiet)
    except errors.UserError as error:
        _fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        # Reports are staged and renamed only when whole: an interrupt leaves none behind.
        _fail("interrupted: the scan did not finish and no report was written", EXIT_INTERRUPTED)
    raise typer.Exit(code)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the reports.")] = Path("reports"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Start the sandbox account, scan it, and print where the reports are."""
    scan(
        profile=None,
        region=None,
        service=None,
        out=out,
        sandbox=True,
        reference=DEFAULT_REFERENCE_DIR,
        max_calls=48,
        quiet=quiet,
        verbose=0,
    )


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _configure_logging(quiet: bool, verbose: int) -> None:
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # The SDK's own warnings (a failed credential refresh, say) are said again as one line
    # of ours; they show from -vv on.
    sdk_level = logging.DEBUG if verbose >= 2 else logging.ERROR
    for noisy in ("werkzeug", "botocore", "aiobotocore", "urllib3", "moto"):
        logging.getLogger(noisy).setLevel(sdk_level)


def check_services(wanted: list[str] | None) -> list[str]:
    """The services to scan; an unknown name is an error naming the known ones."""
    if not wanted:
        return [service.name for service in catalog.SERVICES]

    unknown = [name for name in wanted if name not in catalog.BY_NAME]
    if unknown:
        raise errors.UserError(
            f"unknown service: {', '.join(unknown)} (see the 'services' command)", errors.EXIT_USAGE
        )

    return sorted(set(wanted))


def check_regions(wanted: list[str] | None) -> list[str] | None:
    """Region names botocore knows; checked against the account once it is reachable."""
    if not wanted:
        return None

    known = {name for part in ("aws", "aws-cn", "aws-us-gov") for name in catalog.all_regions(part)}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise errors.UserError(f"unknown region: {', '.join(unknown)}", errors.EXIT_USAGE)

    return sorted(set(wanted))


def check_output(out: Path) -> None:
    """The output folder, or the nearest folder above it that exists, is a writable folder.

    Nothing is created here: a scan that fails before its report leaves no trace.
    """
    if out.exists() and not out.is_dir():
        raise errors.UserError(f"output folder {out} is a file", errors.EXIT_USAGE)

    existing = next(folder for folder in (out, *out.parents) if folder.exists())
    if not existing.is_dir():
        raise errors.UserError(f"output folder {out} is under a file", errors.EXIT_USAGE)

    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
        if existing != out:
            # Creating a folder is the one test of a path no file system answers by mode bits.
            probe = Path(tempfile.mkdtemp(dir=existing))
            probe.rmdir()
    except OSError as error:
        raise errors.UserError(
            f"output folder {out} is not writable ({error.strerror})", errors.EXIT_USAGE
        ) from error


def _load_reference(path: Path) -> ReferenceDataset:
    try:
        return load_dataset(path)
    except ReferenceDataError as error:
        raise errors.UserError(str(error), errors.EXIT_USAGE) from error


def _scan(
    profile: str | None,
    regions: list[str] | None,
    services: list[str] | None,
    out: Path,
    sandbox: bool,
    reference: Path,
    max_calls: int,
    quiet: bool,
) -> int:
    if sandbox and profile:
        raise errors.UserError("--sandbox and --profile cannot be used together", errors.EXIT_USAGE)

    services = check_services(services)
    regions = check_regions(regions)
    dataset = _load_reference(reference)
    check_output(out)

    with ExitStack() as stack:
        if sandbox:
            stack.enter_context(_sandbox_environment(quiet))
            # The sandbox account has resources in two regions only; the others would add
            # minutes of empty answers. --region scans any of them.
            regions = regions or list(SANDBOX_REGIONS)

        session = _session(profile)
        scan_id = _scan_id(out)
        result = asyncio.run(
            _run(session, profile, regions, services, dataset, Limits(max_calls=max_calls), quiet)
        )
        folder = report.write_account(result, scan_id, out)

    _print_outcome(result, folder, quiet)
    if result.credentials_refused:
        name = profile or os.environ.get("AWS_PROFILE") or "default"
        typer.echo(
            f"error: AWS refused the credentials during the scan ({result.credentials_refused}):"
            f" what was read is in {folder}, marked partial; refresh them (for SSO, "
            f"`aws sso login --profile {name}`) and scan again",
            err=True,
        )
    return errors.EXIT_PARTIAL if result.partial else errors.EXIT_OK


@contextmanager
def _sandbox_environment(quiet: bool):
    """Start the sandbox and point the SDK's standard configuration chain at it."""
    from scanner.sandbox import Sandbox

    if not quiet:
        stderr.print("starting the sandbox account on 127.0.0.1 ...", highlight=False)

    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as empty, Sandbox() as box:
        for name in AWS_CONFIG_VARS:
            os.environ.pop(name, None)
        os.environ.update(box.env())
        # The user's own AWS config must not leak into the sandbox's session.
        os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(
            Path(empty) / "none"
        )
        try:
            yield box
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _session(profile: str | None) -> aioboto3.Session:
    try:
        return aioboto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise errors.UserError(f"AWS profile '{profile}' is not in your AWS config") from error


def _scan_id(out: Path) -> str:
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = base, 1
    while (out / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def _run(
    session: aioboto3.Session,
    profile: str | None,
    regions: list[str] | None,
    services: list[str],
    dataset: ReferenceDataset,
    limits: Limits,
    quiet: bool,
) -> AccountScan:
    try:
        with _progress(quiet) as progress:
            return await run_scan(session, regions, services, dataset, limits, progress=progress)
    except FIXABLE as error:
        friendly = _credential_error(error, profile) or _refused(error)
        if friendly is None:
            raise

        raise friendly from error


def _refused(error: Exception) -> errors.UserError | None:
    """One line for a call the scan cannot do without, such as DescribeRegions, failing."""
    if not isinstance(error, ClientError):
        return None

    code = errors.error_code(error)
    if code in errors.ACCESS_DENIED:
        return errors.UserError(
            f"AWS refused {error.operation_name} ({code}): "
            "grant the policy of the 'iam-policy' command"
        )

    return errors.UserError(f"AWS {error.operation_name} failed ({code}): no report was written")


def _credential_error(error: Exception, profile: str | None) -> errors.UserError | None:
    """One line for the credential and configuration problems a user can fix."""
    name = profile or os.environ.get("AWS_PROFILE") or "default"
    if isinstance(error, SSO_ERRORS):
        return errors.UserError(
            f"the SSO session of profile '{name}' is missing or expired: "
            f"run `aws sso login --profile {name}`"
        )

    if isinstance(error, NoCredentialsError):
        return errors.UserError(
            "no AWS credentials found: pass --profile, set AWS credentials, or use --sandbox"
        )

    if isinstance(error, ProfileNotFound):
        return errors.UserError(f"AWS profile '{name}' is not in your AWS config")

    if isinstance(error, NoRegionError):
        return errors.UserError("no AWS region configured: pass --region or set AWS_REGION")

    if isinstance(error, ProxyConnectionError):
        return errors.UserError(
            f"cannot reach the proxy {error.kwargs.get('proxy_url')}: check HTTPS_PROXY"
        )

    if isinstance(error, EndpointConnectionError):
        return errors.UserError(f"cannot reach the AWS endpoint {error.kwargs.get('endpoint_url')}")

    if isinstance(error, ClientError) and errors.error_code(error) in errors.EXPIRED:
        return errors.UserError(
            f"AWS rejected the credentials ({errors.error_code(error)}): refresh them and retry"
        )

    return None


@contextmanager
def _progress(quiet: bool):
    if quiet or not stderr.is_terminal:
        yield None
        return

    columns = (
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("", total=None)

        def tick(region: str, service: str, total: int) -> None:
            bar.update(
                task, advance=1 if region else 0, total=total, description=f"{region} {service}"
            )

        yield tick


def _print_outcome(result: AccountScan, folder: Path, quiet: bool) -> None:
    facts = report.summary(result, folder.parent.name)
    if not quiet:
        counts = ", ".join(f"{n} {name}" for name, n in facts["by_encryption"].items() if n)
        stderr.print(
            f"account {result.account_id}: {facts['resources']} resources ({counts}); "
            f"{facts['hidden_keys']} hidden keys; {facts['policies_differing']} policies differ; "
            f"{facts['coverage_gaps']} coverage gaps; status {facts['status']}",
            highlight=False,
            soft_wrap=True,
        )
    stdout.print(str(folder), highlight=False, soft_wrap=True)


@app.command()
def services(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the table as Markdown, as in the README.")
    ] = False,
) -> None:
    """The 39 services with AWS managed keys, their resource types and how keys are found."""
    if markdown:
        typer.echo(markdown_table())
        return

    table = Table("service", "alias", "resource types", "key link", "tested on")
    for entry in catalog.SERVICES:
        table.add_row(
            entry.name,
            entry.alias,
            ", ".join(entry.resource_types),
            entry.key_link,
            tested_on(entry.name),
        )
    stdout.print(table)


@app.command("iam-policy")
def iam_policy(
    cloudformation: Annotated[
        bool, typer.Option(help="The member-account role for sweeps, as a CloudFormation template.")
    ] = False,
) -> None:
    """The least-privilege IAM policy a scan needs: only the read calls it makes."""
    if cloudformation:
        typer.echo(member_role.template(), nl=False)
        return

    typer.echo(IAM_POLICY.read_text(encoding="utf-8"), nl=False)


@app.command()
def diff(
    scan_a: Annotated[str, typer.Argument(help="The earlier scan: a scan id or a folder.")],
    scan_b: Annotated[str, typer.Argument(help="The later scan: a scan id or a folder.")],
    out: Annotated[Path, typer.Option(help="Folder holding the scans.")] = Path("reports"),
    jsonl: Annotated[bool, typer.Option(help="One JSON object per change, no table.")] = False,
) -> None:
    """What changed from SCAN_A to SCAN_B: resources, keys and key policy statuses."""
    try:
        found = changes.compare_scans(scan_a, scan_b, out)
    except errors.UserError as error:
        _fail(str(error), error.exit_code)

    if jsonl:
        for line in changes.json_lines(found):
            typer.echo(line)
    else:
        stdout.print(changes.table(found))
    total = sum(len(rows) for rows in found.values())
    stderr.print(f"{total} changes in {len(found)} accounts", highlight=False)


@reference_app.command("show")
def reference_show(
    service: str,
    account: Annotated[str | None, typer.Option(help="Fill in this account id.")] = None,
    region: Annotated[str | None, typer.Option(help="Fill in this region.")] = None,
    reference: Annotated[
        Path, typer.Option(help="Reference dataset folder.")
    ] = DEFAULT_REFERENCE_DIR,
) -> None:
    """Print the reference policy of alias/aws/SERVICE."""
    try:
        policy = _load_reference(reference).current(service)
        if policy is None:
            raise errors.UserError(f"no reference policy for service: {service}", errors.EXIT_USAGE)
    except errors.UserError as error:
        _fail(str(error), error.exit_code)

    try:
        if account is not None:
            check_account_ids([account])
        check_regions([region] if region else None)
    except errors.UserError as error:
        _fail(str(error), error.exit_code)

    if account or region:
        policy = fill_placeholders(policy, account or "123412341234", region or "us-east-1")
    stdout.print_json(json.dumps(policy))


@reference_app.command("list")
def reference_list(
    reference: Annotated[
        Path, typer.Option(help="Reference dataset folder.")
    ] = DEFAULT_REFERENCE_DIR,
) -> None:
    """Every alias in the dataset: its policy Id, older versions, and where and when taken."""
    try:
        dataset = _load_reference(reference)
        index = load_index(reference)
    except errors.UserError as error:
        _fail(str(error), error.exit_code)
    except ReferenceDataError as error:
        _fail(str(error), errors.EXIT_USAGE)

    rows = [("alias", "policy Id", "older versions", "region", "taken on")]
    rows += [tuple(value or "-" for value in row) for row in refresh.listing(dataset, index)]
    for alias, policy_id, older, region, taken in rows:
        line = f"{alias:<34} {policy_id:<28} {older:<20} {region:<15} {taken}"
        stdout.print(line.rstrip(), highlight=False, markup=False, soft_wrap=True)


@reference_app.command("refresh")
def reference_refresh(
    profile: Annotated[str | None, typer.Option(help="AWS config profile, SSO ones too.")] = None,
    region: Annotated[
        str | None, typer.Option("--region", "-r", help="The region to take policies from.")
    ] = None,
    out: Annotated[
        Path, typer.Option(help="The dataset folder to bring up to date.")
    ] = DEFAULT_REFERENCE_DIR,
    create_missing: Annotated[
        bool,
        typer.Option(help="DescribeKey on aliases with no key: AWS creates those keys, for good."),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Create them without asking.")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logs.")] = 0,
) -> None:
    """Rebuild the dataset from the AWS managed keys of a live account, in one region."""
    _configure_logging(False, verbose)
    try:
        results = _refresh(profile, region, out, create_missing, yes)
    except errors.UserError as error:
        _fail(str(error), error.exit_code)

    for result in results:
        stdout.print(_refresh_line(result), highlight=False, markup=False, soft_wrap=True)

    counts = Counter(str(result.outcome) for result in results)
    stderr.print(
        f"{out}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    gaps = [result for result in results if result.outcome in refresh.GAPS]
    raise typer.Exit(errors.EXIT_PARTIAL if gaps else errors.EXIT_OK)


def _refresh(
    profile: str | None, region: str | None, out: Path, create_missing: bool, yes: bool
) -> list[refresh.Result]:
    check_output(out)

    def confirm(missing: list[refresh.ManagedAlias]) -> bool:
        return _confirm_creation(missing, yes)

    try:
        kms = refresh.kms_client(boto3.Session(profile_name=profile), region)
        return refresh.refresh(kms, out, create_missing, confirm)
    except ReferenceDataError as error:
        raise errors.UserError(str(error), errors.EXIT_USAGE) from error
    except FIXABLE as error:
        friendly = _credential_error(error, profile)
        if friendly is None and isinstance(error, ClientError):
            friendly = errors.UserError(f"KMS refused the refresh: {errors.error_code(error)}")
        if friendly is None:
            raise

        raise friendly from error


def _confirm_creation(missing: list[refresh.ManagedAlias], yes: bool) -> bool:
    """Say which keys AWS will create, and ask unless --yes; a no stops the refresh."""
    _, _, _, region, account, _ = (missing[0].arn or ":::::").split(":", 5)
    stderr.print(
        f"--create-missing: DescribeKey on these {len(missing)} aliases makes AWS create "
        f"{len(missing)} AWS managed keys in account {account or '?'}, region {region or '?'}; "
        "AWS managed keys cannot be deleted:",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for alias in missing:
        stderr.print(f"  {alias.name}", highlight=False, markup=False)

    if not yes and not typer.confirm("Create these keys?", default=False, err=True):
        raise errors.UserError("no key created: the refresh was stopped")

    return True


def _refresh_line(result: refresh.Result) -> str:
    line = f"{result.alias:<34} {result.outcome:<16} {result.policy_id}"
    if result.outcome == refresh.Outcome.UPDATED:
        line += f" (was {result.previous_id}, now in history)"
    if result.error_code:
        line += f" {result.error_code}"
    if result.created:
        line += " (key created)"
    return line.rstrip()


@reference_app.command("diff")
def reference_diff(
    old: Annotated[str, typer.Argument(help="The older dataset: a folder or a git revision.")],
    new: Annotated[str, typer.Argument(help="The newer dataset: a folder or a git revision.")],
    repo: Annotated[Path, typer.Option(help="The git repository of revisions.")] = Path("."),
    inside: Annotated[
        str, typer.Option("--path", help="The dataset's folder inside the repository.")
    ] = "reference",
) -> None:
    """Statements, actions and conditions that changed in meaning between two datasets."""
    try:
        before = refresh.open_dataset(old, repo, inside)
        after = refresh.open_dataset(new, repo, inside)
    except (refresh.SourceError, ReferenceDataError) as error:
        _fail(str(error), errors.EXIT_USAGE)

    found = refresh.diff(before, after)
    if not found:
        stdout.print("no change in meaning", highlight=False)

    for line in (line for entry in found for line in entry.lines()):
        stdout.print(line, highlight=False, markup=False, soft_wrap=True)


# The sweep and merge commands live in their own module and register on `app`.
from scanner import cli_sweep  # noqa: E402, F401
