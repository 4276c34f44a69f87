"""Shared helpers: paths of the repository, the real data, and small export writers."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
def _real_data() -> Path:
    """``../shared/data/real`` beside the checkout (or ``CRISIS_KIT_REAL_DATA``)."""
    if os.environ.get("CRISIS_KIT_REAL_DATA"):
        return Path(os.environ["CRISIS_KIT_REAL_DATA"])
    return REPO.parent / "shared" / "data" / "real"


REAL = _real_data()
SAMPLES = REPO / "data" / "samples"
FIXTURES = REPO / "tests" / "fixtures"

SAMPLE_LAST_COMPLAINT = "  - path: exports/seller_feedback.txt\n"
"""The sample incident.yaml's last complaints entry: new entries go after it."""


def sample_copy(root: Path, complaints: str = "", files: dict[str, Path] | None = None) -> Path:
    """The sample incident copied to ``root`` without a store, ready to be changed.

    ``files`` maps names in its ``exports/`` folder to files copied there; ``complaints``
    (incident.yaml lines, each starting ``  - path:``) are listed after its last complaints
    entry. Returns the copy's ``incident.yaml``.
    """
    import shutil

    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("store.duckdb*"))
    for name, source in (files or {}).items():
        shutil.copy(source, root / "exports" / name)
    path = root / "incident.yaml"
    text = path.read_text(encoding="utf-8")
    assert SAMPLE_LAST_COMPLAINT in text
    path.write_text(text.replace(SAMPLE_LAST_COMPLAINT, SAMPLE_LAST_COMPLAINT + complaints),
                    encoding="utf-8")
    return path


HELIUM10_HEADER = ["Date", "Author", "Verified", "Helpful", "Title", "Body", "Rating", "Images",
                   "Videos", "URL", "Variation", "Style"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def helium10_rows(n: int, seed: int = 1, start: dt.date = dt.date(2022, 1, 1)) -> list[list[str]]:
    """``n`` distinct Helium 10-style review rows (deterministic)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(200))
        rows.append([
            f"{MONTHS[day.month - 1]} {day.day}, {day.year}", f"Buyer {seed}-{i}",
            "Verified Purchase", str(rng.randrange(5)), f"Title {i}",
            f"Review body number {i} from seed {seed}", str(rng.randint(1, 5)), "", "",
            f"https://www.amazon.com/product-reviews/B0TEST{rng.randrange(3):04d}/ref=x", "", "",
        ])
    return rows


def write_helium10(path: Path, rows: list[list[str]]) -> Path:
    """Write review rows as Excel does: UTF-8 with BOM, CRLF."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HELIUM10_HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def review_rows():
    return helium10_rows


CHROMIUM = "/usr/bin/chromium"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say plainly what was skipped for want of Chromium, and how to install it."""
    if not Path(CHROMIUM).exists():
        terminalreporter.write_line(
            "SKIPPED browser tests: Debian's chromium is not installed "
            "(install it with: sudo apt-get install chromium fonts-noto-cjk)",
            yellow=True,
        )


@pytest.fixture(scope="session")
def sample_incident(tmp_path_factory):
    """The sample incident copied to a temporary folder and ingested there (once a session)."""
    import shutil

    from crisis_kit.config import load_incident
    from crisis_kit.ingest import ingest_incident

    root = tmp_path_factory.mktemp("sample-incident") / "samples"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("store.duckdb*"))
    incident = load_incident(root / "incident.yaml")
    ingest_incident(incident)
    return incident


@pytest.fixture(scope="session")
def sample_analysis(sample_incident):
    """``run_analysis`` on the ingested sample, once a session (read-only for the tests)."""
    from crisis_kit.pipeline import run_analysis

    return run_analysis(sample_incident)


@pytest.fixture(scope="session")
def sample_portfolio(sample_incident, tmp_path_factory):
    """The sample incident exported into a portfolio folder as brand Mellowkin (read-only)."""
    from crisis_kit.portfolio import export_incident

    root = tmp_path_factory.mktemp("sample-portfolio")
    written = export_incident(sample_incident, root, "Mellowkin")
    assert [p.relative_to(root).as_posix() for p in written] == [
        f"{table}/marketplace=US/brand=mellowkin/bottle-valve-2022.parquet"
        for table in ("events", "sales", "orders", "actions")]
    return root


def heavy_imports_of(args: list[str]):
    """Run ``crisis-kit ARGS`` in a new interpreter; its stdout ends with ``HEAVY [...]``,
    which of pandas, scipy and plotly it imported (the light verbs must import none)."""
    import subprocess
    import sys

    code = ("import runpy, sys; sys.argv = ['crisis-kit', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('crisis_kit', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('pandas', 'scipy', 'plotly') if m in sys.modules)\n"
            "print('HEAVY', heavy)")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)


# -- a chat bot on 127.0.0.1: the webhooks' tests post to it, no mock -----------------------

HOOK_TOKEN = "HOOKtoken0123456789"
"""The secret part of :class:`LocalBot`'s address (path and query): never to be shown."""


class LocalBot(ThreadingHTTPServer):
    """A local bot: records each request, answers as Feishu/DingTalk do on success."""

    def __init__(self, status: int = 200):
        super().__init__(("127.0.0.1", 0), _BotHandler)
        self.requests: list[dict] = []
        self.status = status  # 403: refuse, echoing the address and body as some proxies do
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hook/{HOOK_TOKEN}?key=q{HOOK_TOKEN}"


class _BotHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "json": json.loads(body.decode("utf-8"))})
        answer = json.dumps({"code": 0, "errcode": 0, "msg": "success"}).encode()
        if self.server.status != 200:
            answer = f"refused {self.path} {body.decode('utf-8')}".encode()
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    """A :class:`LocalBot` taking every message (its ``status`` may be changed mid-test)."""
    server = LocalBot()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def refusing_hook():
    """A :class:`LocalBot` refusing every message (HTTP 403)."""
    server = LocalBot(status=403)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
