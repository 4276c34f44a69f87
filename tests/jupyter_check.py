"""JupyterLab 4 in headless Chromium: start a server, open a notebook, read the explorer.

Used by ``tests/test_explorer.py`` (does the explorer render and answer in a real
JupyterLab?) and ``bench/explorer.py --browser`` (how fast does it answer there?).

- The server: ``jupyter lab`` on a port the OS picks (``--ServerApp.port=0``, read back
  from the server's runtime file), with a random token, in its own process group, with
  its config, data, runtime, settings and workspaces folders (and ``HOME``) in a
  temporary folder, so nothing touches ``~/.jupyter``; ready when ``/api/status``
  answers. Stopped through ``/api/shutdown`` (which shuts its kernels down), then
  SIGTERM and SIGKILL to its process group and to any kernel it left.
- The browser: Debian's chromium through Playwright (``executable_path``, no browser
  download), with every request that is not to the server or ``file://`` aborted and
  recorded. ``LabApp.expose_app_in_browser`` gives the page ``window.jupyterapp``:
  the notebook is run with JupyterLab's own command once its kernel is ready, and every
  wait is on a condition of the page, never a sleep.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
CHROMIUM_MISSING = ("Debian's chromium is not installed "
                    "(sudo apt-get install chromium fonts-noto-cjk)")


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: Path
    blocked: list[str] = field(default_factory=list)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (for a failure message)."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def api(self, path: str, method: str = "GET", timeout: float = 10) -> object:
        """Call the server's REST API with the token; the decoded JSON answer."""
        request = urllib.request.Request(f"{self.url}api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # 127.0.0.1 only
            body = answer.read()
        return json.loads(body) if body else None


def parameterised(notebook: Path, target: Path, **values: str) -> Path:
    """Copy ``notebook`` to ``target`` with its ``parameters`` cell set to ``values``.

    Each ``name: type = value  # help`` line of the cell whose name is in ``values``
    gets the new value (a Python literal); the other lines stay as they are.
    """
    content = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in content["cells"] if "parameters" in c["metadata"].get("tags", []))
    lines = "".join(cell["source"]).splitlines()
    for position, line in enumerate(lines):
        match = re.match(r"(\w+)(\s*:\s*\w+\s*=\s*)(\"[^\"]*\"|'[^']*'|\S+)(.*)", line)
        if match and match.group(1) in values:
            lines[position] = (match.group(1) + match.group(2) + repr(str(values[match.group(1)]))
                               + match.group(4))
    cell["source"] = "\n".join(lines)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def _children(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _kill(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


@contextmanager
def jupyter_lab(root: Path, home: Path, timeout: float = 120) -> Iterator[Lab]:
    """Run JupyterLab serving ``root``, with every Jupyter folder under ``home``.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer ``/api/status`` within ``timeout``
        seconds (the message holds the end of its log).
    """
    home.mkdir(parents=True, exist_ok=True)
    folders = {name: home / name.lower() for name in
               ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    # no "official Jupyter news?" prompt over the page, no check for updates
    notification = (folders["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
                    / "notification.jupyterlab-settings")
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {**os.environ, **{k: str(v) for k, v in folders.items()}, "HOME": str(home),
           "JUPYTER_PLATFORM_DIRS": "0", "PYTHONUNBUFFERED": "1"}
    env.pop("JUPYTER_TOKEN", None)
    token = secrets.token_hex(16)
    log = home / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             "--ServerApp.port=0", f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True",
             f"--ServerApp.root_dir={root}", "--ServerApp.terminals_enabled=False",
             "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly"],
            stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    lab = None
    try:
        runtime = folders["JUPYTER_RUNTIME_DIR"] / f"jpserver-{process.pid}.json"
        deadline = time.monotonic() + timeout
        while lab is None or not _answers(lab):
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n"
                                   + log.read_text(errors="replace")[-3000:])
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n"
                                   + log.read_text(errors="replace")[-3000:])
            if lab is None and runtime.exists():
                try:
                    info = json.loads(runtime.read_text())
                except ValueError:  # being written
                    info = None
                if info:
                    lab = Lab(f"http://127.0.0.1:{info['port']}/", token, root, process, log)
            time.sleep(0.2)
        yield lab
    finally:
        _stop(process, lab)


def _answers(lab: Lab) -> bool:
    try:
        return isinstance(lab.api("status", timeout=5), dict)
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _stop(process: subprocess.Popen, lab: Lab | None) -> None:
    """Shut the server and its kernels down: politely, then by signal, by process id."""
    kernels = _children(process.pid)  # kernels run in sessions of their own
    if lab is not None and process.poll() is None:
        try:
            lab.api("shutdown", method="POST", timeout=10)
        except (OSError, ValueError, urllib.error.URLError):
            pass
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
    left = [pid for pid in kernels if Path(f"/proc/{pid}").exists()]
    _kill(left, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:
        left = [pid for pid in left if Path(f"/proc/{pid}").exists()]
        time.sleep(0.1)
    _kill(left, signal.SIGKILL)


@contextmanager
def lab_page(lab: Lab, width: int = 1280, height: int = 900) -> Iterator[object]:
    """A Playwright page of headless chromium, offline but for the server and ``file://``.

    Requests elsewhere are aborted and listed in ``lab.blocked``; JavaScript errors of
    the page in ``page.errors`` (a list set on the page object).
    """
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    allowed = (lab.url, "file://", "data:", "blob:")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          service_workers="block")

            def gate(route: object) -> None:
                if route.request.url.startswith(allowed):
                    route.continue_()
                else:
                    lab.blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", gate)
            page = context.new_page()
            page.errors = []
            page.on("pageerror", lambda error: page.errors.append(str(error)))
            page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"),
                                              dialog.dismiss()))
            yield page
        finally:
            browser.close()


def run_notebook(page: object, lab: Lab, name: str, timeout: float = 240) -> None:
    """Open ``name`` (relative to the server's root) and start running all its cells.

    Waits for the notebook panel, for its kernel to be ready and idle, then starts
    JupyterLab's ``notebook:run-all-cells`` command and returns.
    """
    page.set_default_timeout(timeout * 1000)
    page.goto(f"{lab.url}lab/tree/{name}?token={lab.token}&reset", wait_until="domcontentloaded")
    page.wait_for_function(
        """(name) => {
            const app = window.jupyterapp;
            const widget = app && app.shell && app.shell.currentWidget;
            return !!(widget && widget.sessionContext && widget.context
                      && widget.context.path === name);
        }""", arg=name, polling=200)
    page.evaluate(
        """async (limit) => {
            const panel = window.jupyterapp.shell.currentWidget;
            await panel.context.ready;
            await panel.sessionContext.ready;
            const started = performance.now();
            for (;;) {
                const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
                if (kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle') break;
                if (performance.now() - started > limit) throw new Error('kernel not ready');
                await new Promise(resolve => setTimeout(resolve, 100));
            }
            // not awaited: the command resolves only when every cell has run; callers wait
            // on what the page shows instead (and so can see a progress bar on the way)
            void window.jupyterapp.commands.execute('notebook:run-all-cells');
        }""", timeout * 1000)


EXPLORER_STATE = """() => {
    const root = document.querySelector('.ck-explorer');
    const errors = [...document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
        + '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')]
        .map(e => e.innerText).filter(t => /Error|Traceback/.test(t));
    if (!root) return {ready: false, errors};
    const values = y => {
        if (!y) return [];
        if (Array.isArray(y) || ArrayBuffer.isView(y)) return Array.from(y);
        return [];
    };
    const plots = [...root.querySelectorAll('.js-plotly-plot')].map(gd => {
        const data = gd.data || [];
        let sum = 0, xs = 0;
        for (const trace of data) {
            for (const v of values(trace.y)) if (typeof v === 'number' && isFinite(v)) sum += v;
            xs += values(trace.x).length;
        }
        const box = gd.getBoundingClientRect();
        const svg = gd.querySelector('.main-svg');
        let cell = gd;
        while (cell.parentElement && !cell.parentElement.classList.contains('ck-charts')) {
            cell = cell.parentElement;
        }
        return {
            title: (gd.layout && gd.layout.title && gd.layout.title.text) || '',
            svg: gd.querySelectorAll('.main-svg').length,
            drawn: [...gd.querySelectorAll('.trace path')]
                .filter(p => (p.getAttribute('d') || '').length > 8).length,
            sum, xs, traces: data.map(t => t.name), left: box.left, right: box.right,
            width: svg ? svg.getBoundingClientRect().width : 0,
            svg_right: svg ? svg.getBoundingClientRect().right : 0,
            cell_width: cell.getBoundingClientRect().width,
        };
    });
    const table = root.querySelector('.ck-table-box .ck-table');
    const output = root.closest('.jp-OutputArea-output') || root.parentElement;
    const label = root.querySelector('.ck-page');
    return {
        ready: plots.length === 4 && plots.every(p => p.svg > 0) && !!label,
        errors,
        plots,
        label: label ? label.innerText.trim() : '',
        headers: table ? [...table.querySelectorAll('th')].map(th => th.innerText.trim()) : [],
        rows: table ? table.querySelectorAll('tbody tr').length : 0,
        table_text: (root.querySelector('.ck-table-box') || {innerText: ''}).innerText,
        marks: table ? [...table.querySelectorAll('mark')].map(m => m.innerText) : [],
        output_right: output.getBoundingClientRect().right,
        root_scroll: [root.scrollWidth, root.clientWidth],
        descriptions: [...root.querySelectorAll('.widget-label, label, button')]
            .map(e => e.innerText.trim()).filter(Boolean),
    };
}"""
"""JavaScript: what the page shows of the explorer (charts, table, labels, sizes)."""


def explorer_state(page: object) -> dict:
    """The explorer as the page shows it (see :data:`EXPLORER_STATE`)."""
    return page.evaluate(EXPLORER_STATE)


def wait_for_explorer(page: object, timeout: float = 240) -> dict:
    """Wait until the explorer's four charts, its table and page label are drawn.

    Raises
    ------
    AssertionError
        At once when the notebook shows a traceback (with its text).
    """
    handle = page.wait_for_function(
        f"""() => {{
            const state = ({EXPLORER_STATE})();
            if (state.errors.length) return {{failed: state.errors.join('\\n')}};
            if (!state.ready || state.rows === 0 && !state.table_text) return false;
            return state.plots.every(p => p.drawn > 0) ? state : false;
        }}""", polling=100, timeout=timeout * 1000)
    state = handle.json_value()
    assert "failed" not in state, state.get("failed")
    return state


def wait_for_fit(page: object, timeout: float = 30) -> dict:
    """Wait until every chart is as wide as its grid cell (within 2 px); the state then.

    Returns the last state seen when that does not happen within ``timeout`` seconds,
    for the caller's assertion to show.
    """
    condition = f"""() => {{
        const state = ({EXPLORER_STATE})();
        return state.ready && state.plots.every(
            p => p.width > 0 && Math.abs(p.width - p.cell_width) <= 2) ? state : false;
    }}"""
    try:
        return page.wait_for_function(condition, polling=100, timeout=timeout * 1000).json_value()
    except Exception:  # the caller's assertion reports the sizes
        return explorer_state(page)


def wait_for_label(page: object, expected: str, timeout: float = 60) -> float:
    """Wait until the page label reads ``expected``; the page's time then (ms)."""
    return page.wait_for_function(
        """(expected) => {
            const label = document.querySelector('.ck-explorer .ck-page');
            return label && label.innerText.trim() === expected ? performance.now() : false;
        }""", arg=expected, polling="raf", timeout=timeout * 1000).json_value()
