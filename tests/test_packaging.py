"""An install that is not a checkout still carries the whole reference dataset."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
PREFIX = "share/aws-managed-key-scanner/"


def test_every_reference_file_is_installed_as_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data_files = config["tool"]["setuptools"]["data-files"]
    shipped = {
        (target.removeprefix(PREFIX), path.relative_to(ROOT).as_posix())
        for target, patterns in data_files.items()
        for pattern in patterns
        for path in ROOT.glob(pattern)
    }
    dataset = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "reference").rglob("*")
        if path.is_file()
    }

    assert {source for _, source in shipped} == dataset
    assert all(source.rpartition("/")[0] == target for target, source in shipped)


def test_member_role_template_is_the_generated_one():
    from typer.testing import CliRunner

    from scanner.cli import app

    result = CliRunner().invoke(app, ["iam-policy", "--cloudformation"])
    policy = json.loads((ROOT / "scanner" / "iam_policy.json").read_text())

    assert result.exit_code == 0
    assert (ROOT / "deploy" / "member-role.yaml").read_text() == result.output
    for action in policy["Statement"][0]["Action"]:
        assert f"                  - {action}\n" in result.output
