"""The sample generator: byte-for-byte determinism, size, and the planted targets.

The targets are checked twice: in ``truth.json`` (what the generator says it planted) and
recomputed here from the committed files with plain pandas (what a reader would find).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crisis_kit.samples.generator import write_samples

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HERO = "B0SAMPLE01"
TZ = "America/Los_Angeles"
DAYS = pd.date_range("2022-02-01", "2022-08-31")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("samples")
    return out, write_samples(out)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))


def _days_between(a: str, b: str) -> int:
    return (pd.Timestamp(b[:10]) - pd.Timestamp(a[:10])).days


def test_regenerated_files_are_byte_identical(generated: tuple[Path, dict]) -> None:
    out, _ = generated
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert len(files) > 200  # 212 business reports and the rest
    for rel in files:
        assert (SAMPLES / rel).read_bytes() == (out / rel).read_bytes(), f"{rel} differs"


def test_returned_truth_matches_file(generated: tuple[Path, dict], truth: dict) -> None:
    assert json.loads(json.dumps(generated[1])) == truth


def test_total_size_under_5_mb() -> None:
    # The committed incident only: `make demo` puts its evidence store beside it.
    committed = [p for p in SAMPLES.rglob("*") if p.is_file()
                 and not p.name.startswith("store.duckdb") and ".crisis-kit-spill" not in p.parts]
    assert sum(p.stat().st_size for p in committed) < 5_000_000


def test_truth_targets(truth: dict) -> None:
    det, rating, sales = truth["detection"], truth["rating"], truth["sales"]
    assert _days_between(det["defect_start"], det["alert_date"]) in (0, 1)
    assert det["alert_date_all_asins"] == det["alert_date"]
    assert det["pre_alert_max_negative_per_day"] < 5
    assert truth["complaints"]["negative_first_14_days"] >= 300
    assert 4.3 <= rating["baseline"] <= 4.7
    assert 2.6 <= rating["trough"] <= 3.0
    assert _days_between(det["alert_date"], rating["recovered_date"]) <= 90
    assert 0.35 <= sales["trough_index"] <= 0.45
    assert _days_between(det["alert_date"], sales["recovered_100_date"]) <= 90
    assert _days_between(det["alert_date"], sales["reached_target_date"]) <= 90
    lanes = truth["response"]["lanes"]
    assert sorted(lane for lane in ("cs", "pr", "tech") if lanes[lane]["met"]) == ["cs", "pr"]
    assert lanes["tech"]["hours"] > 4
    assert lanes["platform"]["hours"] <= 72
    assert [c["kept"] for c in truth["statement"]["commitments"]] == [True, False, True]


def test_reviews_file_recomputes_rating_truth(truth: dict) -> None:
    raw = (SAMPLES / "exports" / "reviews.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") >= 1000
    rv = pd.read_csv(SAMPLES / "exports" / "reviews.csv", encoding="utf-8-sig", dtype=str,
                     keep_default_na=False)
    assert list(rv.columns) == ["Date", "Author", "Verified", "Helpful", "Title", "Body",
                                "Rating", "Images", "Videos", "URL", "Variation", "Style"]
    xss = rv[rv.Body.str.contains("<script>alert(1)</script>", regex=False)]
    assert len(xss) == 1 and xss.Rating.iloc[0] == "1"
    assert "<img src=x onerror=alert(2)>" in xss.Body.iloc[0] and "{{7*7}}" in xss.Body.iloc[0]
    rv = rv[rv.URL.str.contains(f"ASIN={HERO}", regex=False)]
    day = pd.to_datetime(rv.Date, format="%B %d, %Y")
    daily = rv.Rating.astype(int).groupby(day).agg(["sum", "count"]).reindex(DAYS, fill_value=0)
    window = daily.rolling(30, min_periods=1).sum()
    rating = window["sum"] / window["count"]
    after = rating[rating.index >= truth["detection"]["alert_date"]]
    assert round(after.min(), 3) == truth["rating"]["trough"]
    assert f"{after.idxmin():%Y-%m-%d}" == truth["rating"]["trough_date"]


def test_orders_and_business_reports_agree(truth: dict) -> None:
    orders = pd.read_csv(SAMPLES / "exports" / "orders.txt", sep="\t", dtype=str,
                         keep_default_na=False)
    assert len(orders.columns) == 32 and orders.columns[-1] == "price-designation"
    assert not orders.duplicated(["amazon-order-id", "asin"]).any()
    hero = orders[(orders.asin == HERO) & (orders["order-status"] == "Shipped")]
    local = pd.to_datetime(hero["purchase-date"]).dt.tz_convert(TZ).dt.strftime("%Y-%m-%d")
    units = hero.quantity.astype(int).groupby(local).sum()
    for day in ("2022-04-10", "2022-05-10", "2022-07-20"):
        report = pd.read_csv(SAMPLES / "exports" / "business" / f"BusinessReport-{day}.csv",
                             encoding="utf-8-sig", dtype=str)
        row = report[report["(Child) ASIN"] == HERO].iloc[0]
        assert int(row["Units Ordered"].replace(",", "")) == units.get(day, 0)
    returns = pd.read_csv(SAMPLES / "exports" / "fba_returns.txt", sep="\t", dtype=str,
                          keep_default_na=False)
    assert returns["order-id"].isin(orders["amazon-order-id"]).all()


def test_seller_feedback_is_cp1252_with_the_planted_email() -> None:
    raw = (SAMPLES / "exports" / "seller_feedback.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert text.startswith("Date\tRating\tComments\tResponse\tOrder ID\tRater Email\r\n")
    assert text.count("jane.doe.buyer@example.com") == 1
    ratings = {line.split("\t")[1] for line in text.splitlines()[1:]}
    assert ratings == {"1", "2", "3"}
