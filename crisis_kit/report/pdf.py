"""The HTML post-mortem printed to PDF by a headless Chromium, where one is installed.

Chromium loads the file from disk with background networking off (nothing is fetched:
the report is self-contained), lets the figures draw within a virtual-time budget,
and prints with the report's print CSS.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import CrisisKitError

__all__ = ["find_chromium", "print_pdf"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The path of a Chromium-family browser on this machine, or None."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: str | Path, pdf: str | Path, *, timeout: float = 120) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium and return the PDF's path.

    Raises
    ------
    CrisisKitError
        When no Chromium is installed (with the command that installs it) or printing
        fails.
    """
    browser = find_chromium()
    if browser is None:
        raise CrisisKitError(
            "--pdf needs a Chromium browser, and none is installed",
            fix="install it (Debian/Ubuntu: sudo apt-get install chromium fonts-noto-cjk), "
            "or open the HTML report and print it from any browser",
        )
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    with tempfile.TemporaryDirectory(prefix="crisis-kit-chromium-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=15000",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri(),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=timeout)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise CrisisKitError(f"Chromium could not print the report ({exc})", str(html),
                                 "open the HTML report and print it from a browser") from None
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise CrisisKitError("Chromium wrote no PDF", str(pdf),
                             "open the HTML report and print it from a browser")
    return pdf
