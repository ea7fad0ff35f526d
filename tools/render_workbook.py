"""Render a workbook to PDF and PNG pages with LibreOffice, headless, to look at it.

Usage: python tools/render_workbook.py WORKBOOK.xlsx OUT_FOLDER

Needs soffice (LibreOffice) and pdftoppm (poppler) on PATH. Not a test: a person looks at
the pages. LibreOffice runs with a throwaway profile so no user settings leak in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def render(workbook: Path, out: Path) -> list[Path]:
    """Write WORKBOOK.pdf and one PNG per page into out; return the PNGs."""
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(workbook),
            ],
            check=True,
            timeout=300,
        )

    pdf = out / f"{workbook.stem}.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page*.png"))


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)

    for page in render(Path(sys.argv[1]), Path(sys.argv[2])):
        print(page)


if __name__ == "__main__":
    main()
