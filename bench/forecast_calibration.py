"""Backtest of the rating forecast's 80 % interval on the real review files.

For each real file (and each of the Datafiniti file's ASINs with 300+ reviews), cut the
history every ``--step`` days; at each cut forecast the displayed 30-day rating and read
the forecast's 80 % interval 30, 60 and 90 days ahead; count how often the rating that
really followed lies inside it. Prints the coverage per horizon and per file, and over
all files. A calibrated interval covers 70-90 % (issue 12, docs/forecast.md).

Usage: python bench/forecast_calibration.py [--step 14] [--simulations 400] [--write]

``--write`` stores the figures in ``crisis_kit/data/forecast_calibration.json``, which
the report and ``summary.json`` quote beside each forecast (run it after changing the
model; ``tests/test_real_data.py`` re-runs the backtest and holds the file to it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("CRISIS_KIT_REAL_DATA") or REPO.parent / "shared" / "data" / "real")
HORIZONS = (30, 60, 90)
WINDOW = 30
STEP, SIMULATIONS = 14, 400
CALIBRATION = REPO / "crisis_kit" / "data" / "forecast_calibration.json"


def _stars(value: str) -> float:
    found = re.search(r"[0-9]+(?:\.[0-9]+)?", str(value))
    return float(found.group(0)) if found else float("nan")


def series() -> dict[str, pd.DataFrame]:
    """Each real file's reviews as (local_date, rating), one product per series."""
    out = {}
    read = dict(dtype=str, keep_default_na=False)
    i = pd.read_csv(REAL / "apple_iphone_11_reviews.csv", encoding="cp1252", **read)
    out["iphone"] = pd.DataFrame({
        "local_date": pd.to_datetime(i["reviewed_at"], format="%d %B %Y", errors="coerce"),
        "rating": i["review_rating"].map(_stars)})
    d = pd.read_csv(REAL / "Datafiniti_Amazon_Consumer_Reviews_of_Amazon_Products.csv",
                    encoding="utf-8-sig", **read)
    d = d.assign(local_date=pd.to_datetime(d["reviews.date"].str[:10], errors="coerce"),
                 rating=d["reviews.rating"].map(_stars))
    for asin, group in d.groupby("asins"):
        if len(group) >= 300 and "," not in asin:
            out[f"datafiniti {asin}"] = group[["local_date", "rating"]]
    a = pd.read_csv(REAL / "kaggle_amazon_alexa.tsv", sep="\t", encoding="utf-8-sig", quoting=3,
                    **read)
    out["alexa"] = pd.DataFrame({"local_date": pd.to_datetime(a["date"], format="%d-%b-%y"),
                                 "rating": a["rating"].map(_stars)})
    j = pd.read_csv(REAL / "jd_aircon_jd_comment_data_gbk.csv", encoding="gb18030", **read)
    j = j.drop_duplicates()
    top = j["商品ID"].value_counts().index[0]
    j = j[j["商品ID"] == top]
    out["jd top product"] = pd.DataFrame({
        "local_date": pd.to_datetime(j["评论时间"], errors="coerce").dt.normalize(),
        "rating": j["打分"].map(_stars)})
    return {k: v.dropna().sort_values("local_date").reset_index(drop=True)
            for k, v in out.items()}


def backtest(reviews: pd.DataFrame, step: int, simulations: int) -> pd.DataFrame:
    from crisis_kit.analysis.forecast import forecast_rating
    from crisis_kit.analysis.ratings import trailing_rating

    frame = reviews.assign(source="review", is_negative=reviews["rating"] <= 2)
    actual = trailing_rating(frame, WINDOW).set_index("local_date")["rating"]
    first, last = actual.index.min() + pd.Timedelta(days=60), actual.index.max()
    rows = []
    cut = first
    while cut + pd.Timedelta(days=min(HORIZONS)) <= last:
        fc = forecast_rating(reviews, WINDOW, 5.0, cut, simulations=simulations, seed=0,
                             horizon_days=max(HORIZONS))
        path = fc.path.set_index("local_date") if len(fc.path) else None
        for h in HORIZONS:
            day = cut + pd.Timedelta(days=h)
            if day > last or path is None or day not in path.index:
                continue
            truth = actual.get(day)
            if truth is None or pd.isna(truth):
                continue
            low, high = path.at[day, "lower"], path.at[day, "upper"]
            rows.append({"cut": cut, "horizon": h, "inside": bool(low - 1e-9 <= truth <= high + 1e-9)})
        cut += pd.Timedelta(days=step)
    return pd.DataFrame(rows, columns=["cut", "horizon", "inside"])


def calibrate(step: int = STEP, simulations: int = SIMULATIONS) -> tuple[pd.DataFrame, dict]:
    """Backtest every real series; return the outcomes and the calibration record."""
    import inspect

    from crisis_kit.analysis.forecast import CALIBRATED, forecast_rating

    defaults = {k: v.default for k, v in inspect.signature(forecast_rating).parameters.items()}
    results = [backtest(reviews, step, simulations).assign(file=name)
               for name, reviews in series().items()]
    outcomes = pd.concat(results, ignore_index=True)

    def figures(rows: pd.DataFrame) -> dict:
        return {"inside": int(rows["inside"].sum()), "outcomes": int(len(rows)),
                "coverage": round(float(rows["inside"].mean()), 3)}

    record = {
        "about": "Share of backtest outcomes (the real 30-day rating h days after a cut) "
                 "inside the forecast's interval made at the cut, on the real review files "
                 "(docs/forecast.md). Written by bench/forecast_calibration.py --write.",
        "command": f"python bench/forecast_calibration.py --step {step} "
                   f"--simulations {simulations} --write",
        "model": {**{k: defaults[k] for k in CALIBRATED if k != "window_days"},
                  "window_days": WINDOW},
        "series": sorted(outcomes["file"].unique().tolist()),
        "coverage": {**{str(h): figures(outcomes[outcomes["horizon"] == h]) for h in HORIZONS},
                     "all": figures(outcomes)},
    }
    return outcomes, record


def main() -> int:
    sys.path.insert(0, str(REPO))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=STEP)
    parser.add_argument("--simulations", type=int, default=SIMULATIONS)
    parser.add_argument("--write", action="store_true",
                        help=f"store the figures in {CALIBRATION.relative_to(REPO)}")
    args = parser.parse_args()
    if not REAL.is_dir():
        print(f"no real data at {REAL}")
        return 1
    outcomes, record = calibrate(args.step, args.simulations)
    results = [table for _, table in outcomes.groupby("file", sort=False)]
    for table in results:
        name = table["file"].iloc[0]
        cover = table.groupby("horizon")["inside"].agg(["mean", "size"])
        print(f"{name:<24} " + "  ".join(
            f"{h} d: {cover.at[h, 'mean']:.0%} of {cover.at[h, 'size']}" if h in cover.index
            else f"{h} d: -" for h in HORIZONS))
    allrows = pd.concat(results)
    total = allrows.groupby("horizon")["inside"].agg(["mean", "size"])
    print("all files                " + "  ".join(
        f"{h} d: {total.at[h, 'mean']:.0%} of {total.at[h, 'size']}" for h in total.index))
    print("goal: 70-90 % per horizon (an 80 % interval)")
    if args.write:
        CALIBRATION.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                               encoding="utf-8")
        print(f"written: {CALIBRATION.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
