"""Benchmark: the bundled sample, end to end, against a plain pandas script.

- crisis-kit: ``crisis-kit ingest incident.yaml`` into a new store, then a second process
  that runs ``run_analysis`` and writes ``summary.json`` (two whole processes, as a user
  runs them);
- baseline: one plain pandas script (below, :func:`baseline_summary`) that reads the same
  sample exports straight from disk and computes the detection, rating and sales figures
  of ``summary.json`` from design.md section 8, with no crisis-kit code.

The baseline doubles as an independent check: every figure it computes must equal the
kit's, or the script says which differ and exits 1. Prints wall time, CPU time and peak
RSS of both sides and the ratio. Goal (issue 11): at most 2x.

Usage: python bench/small.py [--keep]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import REPO, machine, measure, named, report_child

SAMPLE = REPO / "data" / "samples"
REASONS = REPO / "crisis_kit" / "data" / "return_reasons.csv"
TZ = "America/Los_Angeles"      # the US marketplace's local day
HERO = "B0SAMPLE01"             # incident.yaml: asins: [B0SAMPLE01]
MIN_NEGATIVE, GROWTH = 5, 0.15  # thresholds of the sample's incident.yaml
WINDOW, TARGET, BASE_DAYS, SALES_TARGET = 30, 4.2, 28, 1.2


def baseline_summary(folder: Path) -> dict:
    """The detection, rating and sales blocks of summary.json, by plain pandas."""
    import pandas as pd

    exports = folder / "exports"
    # reviews: Helium 10 export, ASIN and review id in the URL, date-only (a local day)
    reviews = pd.read_csv(exports / "reviews.csv", encoding="utf-8-sig")
    reviews["asin"] = reviews["URL"].str.extract(r"ASIN=(\w{10})")[0]
    reviews["rid"] = reviews["URL"].str.extract(r"customer-reviews/(\w+)/")[0]
    reviews = reviews[reviews["asin"] == HERO].drop_duplicates("rid")
    reviews["day"] = pd.to_datetime(reviews["Date"], format="%B %d, %Y")
    reviews["negative"] = reviews["Rating"] <= 2

    # FBA returns: UTC times; negative when the reason's group is quality or safety
    groups = pd.read_csv(REASONS).set_index("code")["group"]
    returns = pd.read_csv(exports / "fba_returns.txt", sep="\t", dtype=str)
    returns = returns[returns["asin"] == HERO]
    returns["day"] = (pd.to_datetime(returns["return-date"], utc=True)
                      .dt.tz_convert(TZ).dt.tz_localize(None).dt.normalize())
    returns["negative"] = returns["reason"].map(groups).isin(["quality", "safety"])

    # seller feedback: no ASIN, so through the order id in the orders file
    orders = pd.read_csv(exports / "orders.txt", sep="\t", dtype=str)
    asin_of = orders.drop_duplicates("amazon-order-id").set_index("amazon-order-id")["asin"]
    feedback = pd.read_csv(exports / "seller_feedback.txt", sep="\t", encoding="cp1252")
    feedback = feedback[feedback["Order ID"].map(asin_of) == HERO]
    feedback["day"] = pd.to_datetime(feedback["Date"], format="%m/%d/%y")
    feedback["negative"] = feedback["Rating"] <= 2

    signals = pd.concat([t[["day", "negative"]] for t in (reviews, returns, feedback)])
    first, last = signals["day"].min(), signals["day"].max()
    days = pd.date_range(first, last, freq="D")
    n = signals[signals["negative"]].groupby("day").size().reindex(days, fill_value=0)

    # seed rule: n(d) >= floor and n(d) > (1 + growth) * mean of the 7 days before
    before = n.shift(1).rolling(7, min_periods=1).mean()
    fired = n[(n >= MIN_NEGATIVE) & (n > (1 + GROWTH) * before.fillna(0))]
    onset = fired.index[0]
    after = n[n.index >= onset]
    peak = after.idxmax()

    # displayed rating: mean rating of the reviews of the trailing 30 days
    by_day = reviews.groupby("day")["Rating"].agg(["sum", "count"]).reindex(days, fill_value=0)
    rolled = by_day.rolling(WINDOW, min_periods=1).sum()
    rating = rolled["sum"] / rolled["count"]
    since = rating[rating.index >= onset]
    trough_day = since.idxmin()
    recovered = since[(since.index > trough_day) & (since >= TARGET)]

    # sales: Business Report units of the hero, one file per day (the day in its name)
    units = {}
    for path in sorted((exports / "business").glob("*.csv")):
        day = pd.Timestamp(re.search(r"\d{4}-\d{2}-\d{2}", path.name).group(0))
        table = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        row = table[table["(Child) ASIN"] == HERO]
        units[day] = float(row["Units Ordered"].str.replace(",", "").astype(float).sum())
    units = pd.Series(units).sort_index()
    units = units.reindex(pd.date_range(units.index[0], units.index[-1]), fill_value=0.0)
    base = units[(units.index < onset) & (units.index >= onset - pd.Timedelta(days=BASE_DAYS))].mean()
    index = units.rolling(7, min_periods=1).mean() / base
    from_onset = index[index.index >= onset]
    sales_trough = from_onset.idxmin()
    later = from_onset[from_onset.index > sales_trough]

    def day(value) -> str | None:
        return None if value is None else value.date().isoformat()

    def first_day(series) -> str | None:
        return day(series.index[0]) if len(series) else None

    return {
        "detection": {"alert_date": day(onset), "peak_date": day(peak),
                      "peak_negative": int(after.max())},
        "rating": {"baseline": round(float(rating[onset - pd.Timedelta(days=1)]), 3),
                   "trough": round(float(since.min()), 3), "trough_date": day(trough_day),
                   "latest": round(float(rating.iloc[-1]), 3),
                   "recovered_date": first_day(recovered)},
        "sales": {"baseline_units_per_day": round(float(base), 3),
                  "trough_index": round(float(from_onset.min()), 3),
                  "latest_index": round(float(index.iloc[-1]), 3),
                  "recovered_100_date": first_day(later[later >= 1.0]),
                  "reached_target_date": first_day(later[later >= SALES_TARGET])},
    }


ANALYSE = """
import sys
from crisis_kit.config import load_incident
from crisis_kit.pipeline import run_analysis
from crisis_kit.summary import write_summary
write_summary(run_analysis(load_incident(sys.argv[1])), sys.argv[2])
"""


def crisis_kit_side(folder: Path) -> dict:
    """Two whole processes: ``crisis-kit ingest`` into a new store, then the analysis."""
    cli = Path(sys.executable).with_name("crisis-kit")
    subprocess.run([str(cli), "ingest", str(folder / "incident.yaml"), "--quiet"], check=True)
    subprocess.run([sys.executable, "-c", ANALYSE, str(folder / "incident.yaml"),
                    str(folder / "summary.json")], check=True)
    return {"summary": json.loads((folder / "summary.json").read_text(encoding="utf-8"))}


def pandas_side(folder: Path) -> dict:
    return {"summary": baseline_summary(folder)}


def differences(kit: dict, plain: dict) -> list[str]:
    """Every figure the baseline computed that the kit's summary.json states otherwise."""
    return [f"{block}.{key}: crisis-kit {kit[block].get(key)!r}, pandas {value!r}"
            for block, figures in plain.items() for key, value in figures.items()
            if kit[block].get(key) != value]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    if args.child:
        kind, folder = args.child
        report_child(lambda: (crisis_kit_side if kind == "kit" else pandas_side)(Path(folder)))
        return 0

    print(machine())
    work = Path(tempfile.mkdtemp(prefix="crisis-kit-bench-small-"))
    try:
        folder = work / "sample"
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("store.duckdb*", "*.wal"))
        plain = measure(__file__, "pandas", folder)
        kit = measure(__file__, "kit", folder)
        print(named("baseline, plain pandas script (same figures)", plain))
        print(named("crisis-kit ingest + run_analysis (two processes)", kit, plain))
        print(f"cpu: crisis-kit {kit['cpu_seconds']:.2f} s, pandas {plain['cpu_seconds']:.2f} s")
        ratio = kit["seconds"] / plain["seconds"]
        print(f"ratio: {ratio:.2f}x (goal: at most 2x)")
        wrong = differences(kit["summary"], plain["summary"])
        checked = sum(len(v) for v in plain["summary"].values())
        if wrong:
            print(f"DISAGREE on {len(wrong)} of {checked} figures:")
            for line in wrong:
                print(f"  {line}")
            return 1
        print(f"agree: all {checked} figures of the baseline equal summary.json's")
        return 0
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
