"""Test setup: no real AWS configuration, credentials or endpoints reach any test.

Every AWS_* variable is cleared and the AWS config files point at empty files, so that
nothing a developer has configured can send a request anywhere. The sandbox is a moto
server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import aioboto3
import pytest

_EMPTY = Path(tempfile.mkdtemp(prefix="amk-tests-"))
for _name in [name for name in os.environ if name.startswith("AWS_")]:
    del os.environ[_name]
(_EMPTY / "config").write_text("")
(_EMPTY / "credentials").write_text("")
os.environ["AWS_CONFIG_FILE"] = str(_EMPTY / "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(_EMPTY / "credentials")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
# A request for any host but this machine goes to a closed local port, and fails here.
os.environ["HTTP_PROXY"] = os.environ["HTTPS_PROXY"] = "http://127.0.0.1:9"
os.environ["NO_PROXY"] = "127.0.0.1,localhost"

from scanner import sandbox as sandbox_module  # noqa: E402
from scanner import sandbox_seed  # noqa: E402
from scanner.engine import CallLog, Limits  # noqa: E402
from scanner.reference import load_dataset  # noqa: E402
from scanner.scan import AccountScan, run_scan  # noqa: E402

SANDBOX_REGIONS = list(sandbox_module.REGIONS)


@pytest.fixture(scope="session")
def sandbox():
    """The seeded sandbox account, shared by every test that only reads it."""
    with sandbox_module.Sandbox() as box:
        yield box


@pytest.fixture(scope="session")
def dataset():
    return load_dataset()


class SandboxEnv:
    """Points the SDK's standard chain at the sandbox for the duration of a block."""

    def __init__(self, box: sandbox_module.Sandbox):
        self.box = box
        self.saved: dict[str, str] = {}

    def __enter__(self) -> SandboxEnv:
        self.saved = dict(os.environ)
        os.environ.update(self.box.env())
        return self

    def __exit__(self, *exc_info: object) -> None:
        os.environ.clear()
        os.environ.update(self.saved)


def scan_sandbox(
    box: sandbox_module.Sandbox,
    dataset,
    regions: list[str] | None = None,
    services: list[str] | None = None,
    call_log: CallLog | None = None,
    limits: Limits | None = None,
) -> AccountScan:
    """Scan the sandbox in-process, through the SDK's standard configuration chain."""
    from scanner.cli import check_services

    with SandboxEnv(box):
        session = aioboto3.Session()
        return asyncio.run(
            run_scan(
                session,
                regions or SANDBOX_REGIONS,
                check_services(services),
                dataset,
                limits,
                call_log,
            )
        )


@pytest.fixture(scope="session")
def sandbox_scan(sandbox, dataset):
    """One full scan of the sandbox, with every call it made, and the KMS state around it."""
    sandbox_seed.hide_keys()
    call_log = CallLog()
    before = sandbox.kms_state()
    created_before = list(sandbox_module.EVENTS.keys_created_by_alias)
    result = scan_sandbox(sandbox, dataset, call_log=call_log)
    after = sandbox.kms_state()
    created = sandbox_module.EVENTS.keys_created_by_alias[len(created_before) :]
    return {
        "result": result,
        "calls": call_log,
        "before": before,
        "after": after,
        "created": created,
    }
