"""The README's services table is the output of `services --markdown`, not written by hand."""

from pathlib import Path

from typer.testing import CliRunner

from scanner import catalog
from scanner.cli import app
from scanner.collectors import COLLECTORS

README = Path(__file__).parents[2] / "README.md"
START, END = "<!-- services:start -->", "<!-- services:end -->"


def _readme_table() -> str:
    text = README.read_text()
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def test_readme_table_matches_the_command():
    result = CliRunner().invoke(app, ["services", "--markdown"])

    assert result.exit_code == 0, result.output
    assert _readme_table() == result.output.strip()


def test_table_lists_every_service_once():
    rows = [line for line in _readme_table().splitlines()[2:] if line.startswith("|")]

    assert len(rows) == len(catalog.SERVICES) == 39
    for service in catalog.SERVICES:
        assert sum(f"`{service.alias}`" in row for row in rows) == 1, service.name


def test_every_service_has_a_collector_that_scans():
    assert set(COLLECTORS) == set(catalog.BY_NAME)
