"""The `sweep` and `merge` commands: many accounts, one scan id, one summary."""

from __future__ import annotations

import asyncio
import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import aioboto3
import typer

from scanner import errors, sweep
from scanner.cli import (
    FIXABLE,
    Regions,
    Services,
    _configure_logging,
    _credential_error,
    _fail,
    _load_reference,
    _sandbox_environment,
    _scan_id,
    _session,
    app,
    check_output,
    check_regions,
    check_services,
    stderr,
    stdout,
)
from scanner.reference import DEFAULT_REFERENCE_DIR, ReferenceDataset
from scanner.scan import caller_identity

Many = Annotated[list[str] | None, typer.Option()]


@app.command("sweep")
def sweep_command(
    profile: Annotated[str | None, typer.Option(help="Base profile, SSO ones too.")] = None,
    sandbox: Annotated[bool, typer.Option(help="Sweep the sandbox organization.")] = False,
    account: Annotated[list[str] | None, typer.Option(help="An account id; repeat.")] = None,
    accounts_file: Annotated[Path | None, typer.Option(help="Account ids, one a line.")] = None,
    ou: Annotated[list[str] | None, typer.Option(help="Only accounts under this OU id.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="An account id to leave out.")] = None,
    role_name: Annotated[str, typer.Option(help="Role to assume in each account.")] = (
        "OrganizationAccountAccessRole"
    ),
    external_id: Annotated[str | None, typer.Option(help="External id for the role.")] = None,
    session_name: Annotated[str, typer.Option(help="Role session name.")] = (
        "aws-managed-key-scanner"
    ),
    region: Regions = None,
    service: Services = None,
    max_accounts: Annotated[int, typer.Option(min=1, max=64, help="Accounts at once.")] = 4,
    out: Annotated[Path, typer.Option(help="Folder for the reports.")] = Path("reports"),
    scan_id: Annotated[str | None, typer.Option(help="Scan id; shards share one.")] = None,
    resume: Annotated[str | None, typer.Option(help="Finish this scan id.")] = None,
    shard: Annotated[str | None, typer.Option(help="I/N, or N with the index from env.")] = None,
    reference: Annotated[Path, typer.Option(help="Reference dataset folder.")] = (
        DEFAULT_REFERENCE_DIR
    ),
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    """Scan every account of an Organization (or those given), each through an assumed role."""
    _configure_logging(quiet, verbose)
    try:
        options = sweep.SweepOptions(
            scan_id=resume or scan_id or _scan_id(out),
            out=out,
            regions=check_regions(region),
            services=check_services(service),
            role_name=role_name,
            external_id=external_id,
            session_name=session_name,
            max_accounts=max_accounts,
            resume=resume is not None,
            shard=sweep.parse_shard(shard),
        )
        listed = sweep.check_account_ids(
            (account or []) + (sweep.read_accounts_file(accounts_file) if accounts_file else [])
        )
        sweep.check_account_ids(exclude or [])
        code = _sweep(profile, sandbox, listed, ou or [], exclude or [], options, reference, quiet)
    except errors.UserError as error:
        _fail(str(error), error.exit_code)
    raise typer.Exit(code)


def _sweep(
    profile: str | None,
    sandbox: bool,
    listed: list[str],
    ous: list[str],
    exclude: list[str],
    options: sweep.SweepOptions,
    reference: Path,
    quiet: bool,
) -> int:
    dataset = _load_reference(reference)
    check_output(options.out)
    if options.resume and not (options.out / options.scan_id).is_dir():
        raise errors.UserError(f"no scan {options.scan_id} under {options.out} to resume")

    with ExitStack() as stack:
        if sandbox:
            if profile:
                raise errors.UserError(
                    "--sandbox and --profile cannot be used together", errors.EXIT_USAGE
                )
            from scanner import sandbox_org

            box = stack.enter_context(_sandbox_environment(quiet))
            sandbox_org.build(box)
            options.regions = options.regions or list(sandbox_org.SWEEP_REGIONS)

        session = _session(profile)
        outcomes = asyncio.run(_run(session, profile, listed, ous, exclude, options, dataset))

    return _finish(outcomes, options, quiet)


async def _run(
    session: aioboto3.Session,
    profile: str | None,
    listed: list[str],
    ous: list[str],
    exclude: list[str],
    options: sweep.SweepOptions,
    dataset: ReferenceDataset,
) -> list[sweep.Outcome]:
    try:
        base_account, accounts = await _accounts(session, listed, ous)
    except FIXABLE as error:
        friendly = _credential_error(error, profile)
        if friendly is None:
            raise

        raise friendly from error

    chosen, skipped = sweep.select(accounts, exclude, options.shard)
    runner = sweep.Sweep(session, base_account, options, dataset)
    outcomes = skipped + await runner.run(chosen)
    if runner.aborted:
        name = profile or "default"
        stderr.print(
            f"error: {runner.aborted}: run `aws sso login --profile {name}`, then "
            f"`sweep --resume {options.scan_id}`",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    return outcomes


async def _accounts(
    session: aioboto3.Session, listed: list[str], ous: list[str]
) -> tuple[str, list[sweep.Account]]:
    from scanner.engine import Aws

    home = session.region_name or "us-east-1"
    async with Aws(session) as aws:
        base_account, _ = await caller_identity(aws, home)
        if listed:
            return base_account, [sweep.Account(account_id) for account_id in dict.fromkeys(listed)]

        return base_account, await sweep.organization_accounts(aws, home, ous)


def _finish(outcomes: list[sweep.Outcome], options: sweep.SweepOptions, quiet: bool) -> int:
    sweep.record(outcomes, options)
    folder = options.out / options.scan_id
    sweep.write_summary(folder)
    frame = sweep.summarize(folder)
    if not quiet:
        counts = ", ".join(f"{n} {status}" for status, n in frame["status"].value_counts().items())
        stderr.print(f"sweep {options.scan_id}: accounts {counts}", highlight=False)
    stdout.print(str(folder), highlight=False, soft_wrap=True)
    return sweep.exit_code(frame)


@app.command("merge")
def merge_command(
    folders: Annotated[list[Path], typer.Argument(help="Shard output folders of one scan id.")],
    out: Annotated[Path, typer.Option(help="Where the merged scan goes.")] = Path("reports"),
) -> None:
    """Join the outputs of a sweep's shards into one scan folder and one summary."""
    try:
        scan_ids = {folder.name for folder in folders}
        if len(scan_ids) != 1:
            raise errors.UserError(
                f"shards of different scans: {sorted(scan_ids)}", errors.EXIT_USAGE
            )
        target = out / scan_ids.pop()
        for folder in folders:
            _merge_one(folder, target)
        sweep.write_summary(target)
        code = sweep.exit_code(sweep.summarize(target))
    except errors.UserError as error:
        _fail(str(error), error.exit_code)
    stdout.print(str(target), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _merge_one(folder: Path, target: Path) -> None:
    if not list(folder.glob("sweep-*.json")):
        raise errors.UserError(f"{folder} holds no sweep output", errors.EXIT_USAGE)

    if folder.resolve() == target.resolve():
        return

    target.mkdir(parents=True, exist_ok=True)
    for item in folder.iterdir():
        if item.name.startswith("."):
            continue
        destination = target / item.name
        if item.is_dir() and not destination.exists():
            shutil.copytree(item, destination)
        elif item.name.startswith("sweep-"):
            shutil.copy2(item, destination)
