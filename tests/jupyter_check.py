"""Open notebooks/explore.ipynb in a real JupyterLab in headless chromium; screenshot it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_notebook(screenshot: Path, timeout: float = 180) -> Path:
    """Start JupyterLab, run explore.ipynb, wait for the four charts, save a screenshot."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         "--allow-root", "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={ROOT / 'notebooks'}", "--LabApp.news_url=None"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/explore.ipynb", timeout=timeout * 1000)
            page.wait_for_selector(".jp-Notebook", timeout=timeout * 1000)
            # The status bar says "Idle" once the kernel is connected; keys before that are lost.
            page.wait_for_selector("text=/ipykernel\\) \\| Idle/", timeout=timeout * 1000)
            page.locator(".jp-Cell").first.locator(".jp-InputPrompt").click(timeout=30_000)
            page.keyboard.press("Escape")  # command mode on the first cell
            for _ in range(2):  # run both cells
                page.keyboard.press("Shift+Enter")
            try:
                page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4",
                                       timeout=timeout * 1000)
            except Exception:
                page.screenshot(path=str(screenshot.with_suffix(".failed.png")))
                raise
            page.wait_for_selector(".ck-table", timeout=timeout * 1000)
            time.sleep(2)
            page.screenshot(path=str(screenshot), full_page=False)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return screenshot
