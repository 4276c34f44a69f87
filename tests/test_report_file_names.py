"""The day of a Business Report from the names Amazon gives its files (issue 10 item 2).

Amazon names the download after the day in the seller's locale: ``BusinessReport-23-07-2025``
(day first, UK and EU), ``BusinessReport-7-23-25`` (month first, US),
``BusinessReport-02.04.25``. Each is read in the marketplace's date order; a name both
orders can read, with no marketplace said, is refused with both readings.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest

from crisis_kit.errors import InputError
from crisis_kit.ingest import inspect_file
from crisis_kit.ingest.load import name_date

from .conftest import FIXTURES

D = dt.date


@pytest.mark.parametrize("name, order, day", [
    ("BusinessReport-2025-07-23.csv", None, D(2025, 7, 23)),
    ("BusinessReport-23-07-2025.csv", None, D(2025, 7, 23)),   # 23 is no month: one reading
    ("BusinessReport-23-07-2025.csv", "MDY", D(2025, 7, 23)),  # even in a US marketplace
    ("BusinessReport-7-23-25.csv", None, D(2025, 7, 23)),
    ("BusinessReport-02.04.25.csv", "DMY", D(2025, 4, 2)),     # UK: 2 April
    ("BusinessReport-02.04.25.csv", "MDY", D(2025, 2, 4)),     # US: 4 February
    ("BusinessReport-1-2-2025 (1).csv", "DMY", D(2025, 2, 1)),  # a second download
    ("BusinessReport-02.02.25.csv", None, D(2025, 2, 2)),      # both orders agree
])
def test_amazons_file_names_read_in_the_marketplaces_order(name, order, day):
    assert name_date(name, order) == (day, [])


def test_a_name_both_orders_read_gives_both_readings_without_a_marketplace():
    assert name_date("BusinessReport-02.04.25.csv", None) == (
        None, [D(2025, 4, 2), D(2025, 2, 4)])
    assert name_date("report.csv", "MDY") == (None, [])
    assert name_date("BusinessReport-31-02-2025.csv", "DMY") == (None, [])  # no such day


@pytest.fixture
def ambiguous(tmp_path):
    path = tmp_path / "BusinessReport-02.04.25.csv"
    shutil.copy(FIXTURES / "exports" / "business-report-current-pass.csv", path)
    return path


def test_inspect_refuses_an_ambiguous_name_naming_both_days(ambiguous):
    with pytest.raises(InputError) as caught:
        inspect_file(ambiguous)
    assert "02 April 2025" in caught.value.what and "04 February 2025" in caught.value.what
    assert "--marketplace" in caught.value.fix and "--date" in caught.value.fix


def test_inspect_marketplace_and_date_settle_it(ambiguous):
    assert inspect_file(ambiguous, marketplace="UK").day == "2025-04-02"
    assert inspect_file(ambiguous, marketplace="US").day == "2025-02-04"
    assert inspect_file(ambiguous, date=D(2025, 4, 3)).day == "2025-04-03"
    out = subprocess.run([sys.executable, "-m", "crisis_kit", "inspect", "--json",
                          "--marketplace", "DE", str(ambiguous)],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["day"] == "2025-04-02"
