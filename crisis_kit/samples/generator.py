"""Generator of the bundled sample incident in ``data/samples``.

The scenario: Mellowkin, a made-up baby-products brand, sells an anti-colic baby bottle
(hero ASIN ``B0SAMPLE01``), a pack of bottle nipples and a bottle brush on amazon.com.
Bottles from a valve batch sold from 2022-04-25 leak; complaints start on 2022-05-02,
peak within a week and fade after the fixed valve ships on 2022-05-16. Ratings and
sales then recover with the help of refunds, replacements, a coupon and an ads relaunch.

Everything is drawn from one ``numpy.random.default_rng(seed)`` in a fixed order, so
``python -m crisis_kit.samples DIR`` writes byte-identical files on every run. The
generator also writes ``truth.json``: the figures it planted, computed with plain pandas
from the generated tables (never with crisis_kit's own analysis code). What the files look
like (catalogue, headers, row formats, word pools, templates) lives in
:mod:`crisis_kit.samples.exports`; this module holds the story and the numbers.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import exports as fmt
from .exports import BY_ASIN, OTHER_REASONS, PRODUCTS, QUALITY_REASONS

SEED = 20220578
TZ = "America/Los_Angeles"
START, END = pd.Timestamp("2022-02-01"), pd.Timestamp("2022-08-31")
DEFECT_DAY = pd.Timestamp("2022-05-02")  # first complaints
BATCH_DAY = pd.Timestamp("2022-04-25")  # first order from the leaking valve batch
FIX_DAY = pd.Timestamp("2022-05-16")  # redesigned valve in stock
COUPON = (pd.Timestamp("2022-06-01"), pd.Timestamp("2022-07-15"), "PLM-Coupon-MK20-2206")
RULE = {"growth": 0.15, "min_per_day": 5, "rating_window": 30, "target_rating": 4.2,
        "baseline_days": 28, "sales_target": 1.2, "golden_hours": 4}
DOW = np.array([1.04, 1.02, 1.0, 0.98, 0.93, 0.96, 1.07])  # Monday .. Sunday
HOURS = np.array([2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 8, 8, 8, 6, 4.0])
# Expected crisis complaints of the hero per day since DEFECT_DAY (days 0..13), per source.
W_RETURNS = np.array([.55, .7, .9, 1, 1, .92, .82, .7, .58, .47, .37, .29, .22, .16]) * 17.0
W_REVIEWS = np.array([.06, .45, .8, 1, 1, .95, .85, .72, .6, .5, .4, .31, .23, .16]) * 14.5
W_FEEDBACK = np.array([.02, .3, .7, 1, 1, .95, .85, .72, .6, .5, .4, .31, .23, .16]) * 6.5
HERO = PRODUCTS[0]


def _since(days: pd.DatetimeIndex) -> np.ndarray:
    """Days since DEFECT_DAY (negative before it)."""
    return np.asarray((days - DEFECT_DAY).days, dtype=float)


def _demand(kind: str, k: np.ndarray) -> np.ndarray:
    """Multiplier of a product's pre-crisis order rate ``k`` days after DEFECT_DAY."""
    if kind == "bottle":
        return np.interp(k, [0, 6, 20, 45, 72, 200], [1.0, .45, .46, 1.0, 1.32, 1.28])
    if kind == "nipple":
        return np.interp(k, [0, 8, 40, 80], [1.0, .7, 1.0, 1.15])
    return np.interp(k, [0, 200], [1.0, 1.05])


def _local_times(rng: np.random.Generator, dates: np.ndarray, hours: np.ndarray) -> pd.Series:
    """UTC timestamps at a random second of the given Pacific hours of ``dates``."""
    secs = hours * 3600 + rng.integers(0, 3600, len(dates))
    naive = pd.DatetimeIndex(dates) + pd.to_timedelta(secs, unit="s")
    local = naive.tz_localize(TZ, nonexistent="shift_forward", ambiguous=False)
    return pd.Series(local.tz_convert("UTC"))


def _ids(rng: np.random.Generator, n: int, alphabet: str, size: int, prefix: str) -> list[str]:
    """``n`` distinct random identifiers like ``prefix + size characters``."""
    chars, out, seen = np.array(list(alphabet)), [], set()
    while len(out) < n:
        code = prefix + "".join(rng.choice(chars, size))
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


def _orders(rng: np.random.Generator, days: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per order line (order id, UTC time, Pacific day, ASIN, quantity, money)."""
    parts = []
    for p in PRODUCTS:
        counts = rng.poisson(p.orders * DOW[days.day_of_week] * _demand(p.kind, _since(days)))
        dates = np.repeat(days.values, counts)
        n = len(dates)
        hours = rng.choice(24, n, p=HOURS / HOURS.sum())
        parts.append(pd.DataFrame({
            "asin": p.asin, "local_date": dates, "utc": _local_times(rng, dates, hours),
            "qty": rng.choice([1, 2, 3], n, p=[.88, .1, .02]),
            "cancelled": rng.random(n) < .02, "business": rng.random(n) < .03,
            "addr": rng.integers(0, len(fmt.ADDRESSES), n),
            "level": rng.choice(4, n, p=[.55, .35, .07, .03]),
            "coupon": rng.random(n) < .6, "hours": rng.uniform(20, 60, n)}))
    df = pd.concat(parts, ignore_index=True)
    df["order_id"] = _ids(rng, len(df), "0123456789", 14, "")
    df["order_id"] = [f"11{rng.integers(1, 5)}-{c[:7]}-{c[7:]}" for c in df["order_id"]]
    # A sibling line sometimes rides in the same order as a hero bottle (same id and time).
    hero = df[(df.asin == HERO.asin) & ~df.cancelled].groupby("local_date").groups
    taken = set()  # (order id, ASIN): an order has one line per item
    for i in df.index[(df.asin != HERO.asin) & (rng.random(len(df)) < .15)]:
        if len(pool := hero.get(df.at[i, "local_date"], [])):
            src = df.loc[rng.choice(pool)]
            if (src.order_id, df.at[i, "asin"]) not in taken:
                taken.add((src.order_id, df.at[i, "asin"]))
                for col in ("order_id", "utc", "addr", "level", "business", "cancelled", "hours"):
                    df.at[i, col] = src[col]
    df["price"] = [BY_ASIN[a].price for a in df.asin]
    coupon = (df.asin == HERO.asin) & df.coupon & ~df.cancelled & df.local_date.between(*COUPON[:2])
    df["discount"] = np.where(coupon, (.2 * df.qty * df.price).round(2), 0.0)
    df["promotion"] = np.where(coupon, COUPON[2], "")
    return df.sort_values(["utc", "asin"], kind="stable").reset_index(drop=True)


def _pick_order(rng: np.random.Generator, orders: pd.DataFrame, used: set[int], asin: str,
                day: pd.Timestamp, lags: tuple[int, int], not_before: pd.Timestamp) -> int | None:
    """Index of an unused shipped order of ``asin`` placed ``lags`` days before ``day``."""
    lo = max(day - pd.Timedelta(days=lags[1]), not_before)
    ok = orders.index[(orders.asin == asin) & ~orders.cancelled & (orders.local_date >= lo)
                      & (orders.local_date <= day - pd.Timedelta(days=lags[0]))]
    free = [i for i in ok if i not in used]
    if not free:
        return None
    pick = int(rng.choice(free))
    used.add(pick)
    return pick


def _complaint_rates(days: pd.DatetimeIndex, weights: np.ndarray, tail: float) -> np.ndarray:
    """Expected crisis complaints per day: ``weights`` over days 0..13, then a fading tail."""
    k = _since(days)
    out = np.where((k >= 14) & (k < 60), tail * np.exp(-(k - 14) / 10), 0.0)
    inside = (k >= 0) & (k < 14)
    out[inside] = weights[k[inside].astype(int)]
    return out


def _reviews(rng: np.random.Generator, days: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per review: Pacific day, ASIN, rating, texts, author and review id."""
    rows = []
    k = _since(days)
    for p in PRODUCTS:
        base = {"bottle": 6.0, "nipple": .7, "brush": .5}[p.kind]
        lam = base * np.maximum(_demand(p.kind, k - 7), .4) * np.where(k >= 25, 1.3, 1.0)
        for day, n in zip(days, rng.poisson(lam), strict=True):
            for rating in rng.choice([5, 4, 3, 2, 1], n, p=[.7, .19, .07, .02, .02]):
                fixed = p.kind == "bottle" and day >= FIX_DAY + pd.Timedelta(days=5)
                kind = f"{p.kind}_fixed" if fixed and rating >= 4 and rng.random() < .3 else (
                    fmt.tone(p.kind, int(rating)))
                rows.append((day, p.asin, int(rating), kind, False))
    crisis = rng.poisson(_complaint_rates(days, W_REVIEWS, 1.6))
    for day, n in zip(days, crisis, strict=True):
        for rating in rng.choice([1, 2, 3], n, p=[.7, .22, .08]):
            rows.append((day, HERO.asin, int(rating), "leak", True))
    df = pd.DataFrame(rows, columns=["local_date", "asin", "rating", "tone", "crisis"])
    df = df.sort_values(["local_date", "asin"], kind="stable").reset_index(drop=True)
    texts = [fmt.review_text(rng, t) for t in df.tone]
    df["title"], df["body"] = [t for t, _ in texts], [b for _, b in texts]
    xss = df.index[df.crisis & (df.rating == 1)
                   & (df.local_date == DEFECT_DAY + pd.Timedelta(days=3))][0]
    df.loc[xss, "body"] = fmt.XSS_BODY
    df["author"] = [fmt.author(rng) for _ in df.index]
    df["verified"] = rng.random(len(df)) < .92
    df["helpful"] = rng.poisson(np.where(df.crisis, 3.0, .3))
    df["image"] = [f"https://m.media-amazon.com/images/I/{c}.jpg" if img else "" for c, img in
                   zip(_ids(rng, len(df), fmt.ALNUM, 11, "7"), rng.random(len(df)) < np.where(
                       df.crisis, .15, .03), strict=True)]
    df["review_id"] = _ids(rng, len(df), fmt.ALNUM.upper(), 13, "R")
    return df


def _returns(rng: np.random.Generator, days: pd.DatetimeIndex, orders: pd.DataFrame,
             used: set[int]) -> pd.DataFrame:
    """One row per FBA customer return, each tied to an earlier shipped order."""
    rows = []
    k = _since(days)
    for p in PRODUCTS:
        bg = rng.poisson(p.orders * .03 * _demand(p.kind, k - 10))
        crisis = rng.poisson(_complaint_rates(days, W_RETURNS, 1.5)) if p is HERO else 0 * bg
        for day, n_bg, n_cr in zip(days, bg, crisis, strict=True):
            for is_crisis in [False] * n_bg + [True] * n_cr:
                reasons = (QUALITY_REASONS, [.68, .32]) if is_crisis else (
                    QUALITY_REASONS + OTHER_REASONS, [.07, .05, .33, .13, .11, .09, .09, .06, .04,
                                                      .03])
                lags, since = ((3, 12), BATCH_DAY) if is_crisis else ((5, 30), START)
                i = _pick_order(rng, orders, used, p.asin, day, lags, since)
                if i is not None:
                    rows.append((day, i, str(rng.choice(reasons[0], p=reasons[1])), is_crisis))
    df = pd.DataFrame(rows, columns=["local_date", "order_index", "reason", "crisis"])
    df["utc"] = _local_times(rng, df.local_date.values, rng.integers(5, 19, len(df)))
    df["comments"] = [fmt.return_comment(rng, r, c) for r, c in zip(df.reason, df.crisis,
                                                                    strict=True)]
    df["fc"] = rng.choice(["ONT8", "LGB8", "SMF3", "PHX6", "SBD1", "LAX9"], len(df))
    df["lpn"] = _ids(rng, len(df), fmt.ALNUM.upper(), 10, "LPN")
    df["donate"] = rng.random(len(df)) < .2
    return df.sort_values("utc", kind="stable").reset_index(drop=True)


def _feedback(rng: np.random.Generator, days: pd.DatetimeIndex, orders: pd.DataFrame,
              used: set[int]) -> pd.DataFrame:
    """One row per 1-3 star seller feedback; every row is about a hero order."""
    rows = []
    bg = rng.poisson(.25, len(days))
    crisis = rng.poisson(_complaint_rates(days, W_FEEDBACK, .4))
    for day, n_bg, n_cr in zip(days, bg, crisis, strict=True):
        ratings = [(int(r), False) for r in rng.choice([1, 2, 3], n_bg, p=[.2, .2, .6])]
        ratings += [(int(r), True) for r in rng.choice([1, 2, 3], n_cr, p=[.7, .22, .08])]
        for rating, is_crisis in ratings:
            i = _pick_order(rng, orders, used, HERO.asin, day, (2, 12), START)
            if i is not None:
                rows.append((day, i, rating, is_crisis))
    df = pd.DataFrame(rows, columns=["local_date", "order_index", "rating", "crisis"])
    df["comments"] = [fmt.feedback_comment(rng, c) for c in df.crisis]
    df["response"] = [fmt.feedback_response(rng, c) if rng.random() < .35 else ""
                      for c in df.crisis]
    df["email"] = [e + "@marketplace.amazon.com" for e in _ids(rng, len(df), fmt.ALNUM, 9, "")]
    jane = df.index[df.crisis & (df.rating == 1)][4]
    df.loc[jane, "email"] = "jane.doe.buyer@example.com"
    return df


def _events(reviews: pd.DataFrame, returns: pd.DataFrame, feedback: pd.DataFrame,
            orders: pd.DataFrame) -> pd.DataFrame:
    """All complaint signals as one table (date-only sources at Pacific midnight)."""
    def midnight(dates: pd.Series) -> pd.Series:
        return pd.Series(pd.DatetimeIndex(dates).tz_localize(TZ).tz_convert("UTC"))

    rv = pd.DataFrame({"source": "review", "asin": reviews.asin, "rating": reviews.rating,
                       "local_date": reviews.local_date, "utc": midnight(reviews.local_date),
                       "is_negative": reviews.rating <= 2})
    rt = pd.DataFrame({"source": "fba_return", "asin": orders.asin[returns.order_index].values,
                       "rating": np.nan, "local_date": returns.local_date, "utc": returns.utc,
                       "is_negative": returns.reason.isin(QUALITY_REASONS)})
    fb = pd.DataFrame({"source": "seller_feedback", "asin": HERO.asin,
                       "rating": feedback.rating, "local_date": feedback.local_date,
                       "utc": midnight(feedback.local_date), "is_negative": feedback.rating <= 2})
    return pd.concat([rv, rt, fb], ignore_index=True).sort_values("utc", kind="stable")


def seed_alert(events: pd.DataFrame, days: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Apply the seed rule of design.md section 8 to a table of complaint events.

    Parameters
    ----------
    events : pandas.DataFrame
        Columns ``utc`` (UTC timestamp), ``local_date`` and ``is_negative``.
    days : pandas.DatetimeIndex
        Every Pacific day of the history, used to zero-fill the daily counts.

    Returns
    -------
    tuple of pandas.Timestamp
        The alert day and ``alert_at``, the time of the negative event at which the running
        count of that day first satisfied the rule.

    Raises
    ------
    ValueError
        If the rule never fires.
    """
    neg = events[events.is_negative].sort_values("utc", kind="stable")
    n = neg.groupby("local_date").size().reindex(days, fill_value=0)
    before = n.shift(1).rolling(7).mean()
    for day in days[7:]:
        need = max(RULE["min_per_day"], int(np.floor((1 + RULE["growth"]) * before[day])) + 1)
        if n[day] >= need:
            return day, neg.utc[neg.local_date == day].iloc[need - 1]
    raise ValueError("the seed rule never fires on these events")


def _actions(alert_at: pd.Timestamp) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The response log planted around ``alert_at`` and the statement's publication time."""
    published = (alert_at + pd.Timedelta(hours=4.5)).ceil("15min").tz_convert(TZ)
    rows = []
    plain = [(*action, *[None] * len(fmt.CAMPAIGN_COLUMNS)) for action in fmt.ACTIONS]
    for when, *rest in plain + list(fmt.CAMPAIGNS):
        if isinstance(when, str):  # a fixed Pacific time
            at = pd.Timestamp(when, tz=TZ)
        elif isinstance(when, tuple):  # hours after the statement's publication
            at = published + pd.Timedelta(hours=when[1])
        else:  # hours after the alert
            at = (alert_at + pd.Timedelta(hours=when)).ceil("min").tz_convert(TZ)
        rows.append((at, *rest))
    df = pd.DataFrame(rows, columns=["at", "lane", "action", "channel", "owner", "ref",
                                     *fmt.CAMPAIGN_COLUMNS])
    return df.sort_values("at", kind="stable").reset_index(drop=True), published


def _commitments(actions: pd.DataFrame, published: pd.Timestamp) -> list[dict]:
    """The statement's dated commitments and whether the response log shows them kept."""
    out = []
    # "by May 16, 2022" is due at the end of that local day
    by_date = (pd.Timestamp("2022-05-17", tz=TZ) - published).total_seconds() / 3600
    for text, hours, action in (
            ("refund all affected orders within 72 hours", 72, "refund affected orders"),
            ("upgraded replacement bottle with the redesigned valve within 7 days", 168,
             "upgraded replacements shipped"),
            ("will be in stock by May 16, 2022", round(by_date, 3),
             "redesigned valve batch 2205-C received at FBA")):
        done = actions["at"][actions.action == action].min()
        late = (done - published).total_seconds() / 3600
        out.append({"text": text, "deadline_hours": hours, "action": action,
                    "done_at": done.isoformat(), "hours_after_publication": round(late, 3),
                    "kept": bool(late <= hours)})
    return out


def _replies(feedback: pd.DataFrame) -> dict:
    """How many seller responses were planted, and how many are a template's words."""
    answered = feedback["response"].fillna("").astype(str).str.strip()
    answered = answered[answered != ""]
    scripted = {p.split("|")[0] for p in fmt._RESPONSES.values()}
    following = int(answered.isin(scripted).sum())
    return {"replies": int(len(answered)), "following_template": following,
            "templates": 2}


def _truth(events: pd.DataFrame, reviews: pd.DataFrame, orders: pd.DataFrame,
           actions: pd.DataFrame, days: pd.DatetimeIndex, files: dict[str, int]) -> dict:
    """The planted figures, computed with plain pandas from the generated tables."""
    hero = events[events.asin == HERO.asin]
    day, alert_at = seed_alert(hero, days)
    neg = hero[hero.is_negative].groupby("local_date").size().reindex(days, fill_value=0)
    window = (days >= day) & (days < day + pd.Timedelta(days=14))
    rv = reviews[reviews.asin == HERO.asin].groupby("local_date").rating.agg(["sum", "count"])
    rv = rv.reindex(days, fill_value=0).rolling(RULE["rating_window"], min_periods=1).sum()
    rating = rv["sum"] / rv["count"]
    units = orders[(orders.asin == HERO.asin) & ~orders.cancelled].groupby(
        "local_date").qty.sum().reindex(days, fill_value=0)
    base = units[(days >= day - pd.Timedelta(days=RULE["baseline_days"])) & (days < day)].mean()
    index = units.rolling(7).mean() / base

    def trough(series: pd.Series) -> tuple[float, pd.Timestamp]:
        after = series[series.index >= day]
        return float(after.min()), after.idxmin()

    def first(series: pd.Series, since: pd.Timestamp, level: float) -> str | None:
        hit = series[(series.index > since) & (series >= level)]
        return f"{hit.index[0]:%Y-%m-%d}" if len(hit) else None

    r_min, r_day = trough(rating)
    i_min, i_day = trough(index)
    lanes = {}
    for lane, at in actions[actions["at"] >= alert_at].groupby("lane")["at"].min().items():
        hours = (at - alert_at).total_seconds() / 3600
        lanes[lane] = {"first_at": at.isoformat(), "hours": round(hours, 3),
                       "met": bool(hours <= RULE["golden_hours"])}
    first_at = min(actions["at"][actions["at"] >= alert_at])
    first_hours = round((first_at - alert_at).total_seconds() / 3600, 3)

    def counts(ev: pd.DataFrame) -> dict:
        return {"total": len(ev), "negative": int(ev.is_negative.sum()),
                "by_source": {k: int(v) for k, v in ev.groupby("source").size().items()},
                "negative_by_source": {k: int(v) for k, v in
                                       ev[ev.is_negative].groupby("source").size().items()}}

    return {
        "asins": {"hero": HERO.asin, "siblings": [p.asin for p in PRODUCTS[1:]]},
        "files": files,
        "complaints": {**counts(hero), "negative_first_14_days": int(neg[window].sum()),
                       "scope": "hero ASIN (the incident.yaml asins filter)"},
        "complaints_all_asins": counts(events),
        "negative_reasons": list(QUALITY_REASONS),
        "detection": {"alert_date": f"{day:%Y-%m-%d}", "defect_start": f"{DEFECT_DAY:%Y-%m-%d}",
                      "alert_at": alert_at.tz_convert(TZ).isoformat(),
                      "peak_date": f"{neg.idxmax():%Y-%m-%d}", "peak_negative": int(neg.max()),
                      "pre_alert_max_negative_per_day": int(neg[days < day].max()),
                      "alert_date_all_asins": f"{seed_alert(events, days)[0]:%Y-%m-%d}"},
        "rating": {"window_days": RULE["rating_window"], "target": RULE["target_rating"],
                   "baseline": round(float(rating[day - pd.Timedelta(days=1)]), 3),
                   "trough": round(r_min, 3), "trough_date": f"{r_day:%Y-%m-%d}",
                   "recovered_date": first(rating, r_day, RULE["target_rating"]),
                   "latest": round(float(rating.iloc[-1]), 3)},
        "sales": {"baseline_units_per_day": round(float(base), 3),
                  "trough_index": round(i_min, 3), "trough_date": f"{i_day:%Y-%m-%d}",
                  "recovered_100_date": first(index, i_day, 1.0),
                  "reached_target_date": first(index, i_day, RULE["sales_target"]),
                  "latest_index": round(float(index.iloc[-1]), 3)},
        "response": {"alert_at": alert_at.tz_convert(TZ).isoformat(), "lanes": lanes,
                     "first_response_at": first_at.isoformat(),
                     "first_response_hours": first_hours,
                     "golden_window_met": bool(first_hours <= RULE["golden_hours"])},
    }


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` (line ends already in place) with the given encoding."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def write_samples(out_dir: str | Path, seed: int = SEED) -> dict:
    """Generate the sample incident into ``out_dir`` and return its ``truth.json`` content.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Target directory (created if missing); existing files of the same names are
        overwritten, others are left alone.
    seed : int, optional
        Seed of the single random generator; the default reproduces ``data/samples``.

    Returns
    -------
    dict
        What the generator planted (the content written to ``truth.json``).
    """
    out, rng = Path(out_dir), np.random.default_rng(seed)
    days = pd.date_range(START, END, freq="D")
    orders = _orders(rng, days)
    reviews = _reviews(rng, days)
    used: set[int] = set()
    returns = _returns(rng, days, orders, used)
    feedback = _feedback(rng, days, orders, used)
    events = _events(reviews, returns, feedback, orders)
    _, alert_at = seed_alert(events[events.asin == HERO.asin], days)
    actions, published = _actions(alert_at)
    exports = out / "exports"
    _write(exports / "reviews.csv",
           fmt.csv_text(fmt.REVIEWS_HEADER, fmt.review_rows(reviews), "\r\n"), "utf-8-sig")
    _write(exports / "fba_returns.txt", fmt.lines(fmt.return_rows(returns, orders)))
    _write(exports / "seller_feedback.txt",
           fmt.lines(fmt.feedback_rows(feedback, orders), "\r\n"), "cp1252")
    _write(exports / "orders.txt", fmt.lines(fmt.order_rows(orders)))
    dip = np.interp(_since(days), [0, 5, 30, 50], [1, .6, .6, 1])  # hero conversion in crisis
    traffic = fmt.traffic(rng, orders, days, dip)
    for day, rows in traffic.groupby("local_date"):
        _write(exports / "business" / f"BusinessReport-{day:%Y-%m-%d}.csv",
               fmt.csv_text(fmt.BUSINESS_HEADER, fmt.business_rows(rows), "\r\n"), "utf-8-sig")
    _write(out / "response_log.csv", fmt.csv_text(list(actions.columns), [
        [a.at.isoformat(), a.lane, a.action, a.channel, a.owner, a.ref,
         *("" if pd.isna(v) else v if isinstance(v, str) else int(v)
           for v in (getattr(a, c) for c in fmt.CAMPAIGN_COLUMNS))]
        for a in actions.itertuples()], "\n"))
    local = alert_at.tz_convert(TZ)
    for name, template, day in (
            ("statement.md", fmt.STATEMENT_EN, f"{local:%B} {local.day}, {local.year}"),
            ("statement.zh.md", fmt.STATEMENT_ZH, f"{local.year}年{local.month}月{local.day}日")):
        _write(out / name, template.format(published=published.isoformat(), alert_day=day))
    _write(out / "incident.yaml", fmt.INCIDENT_YAML)
    _write(out / "replies.md", fmt.REPLIES_MD)
    _write(out / "followups.csv", fmt.csv_text(fmt.FOLLOWUPS_HEADER, fmt.FOLLOWUPS, "\n"))
    files = {"exports/reviews.csv": len(reviews), "exports/fba_returns.txt": len(returns),
             "exports/seller_feedback.txt": len(feedback), "exports/orders.txt": len(orders),
             "exports/business/*.csv": len(days), "response_log.csv": len(actions)}
    truth = _truth(events, reviews, orders, actions, days, files)
    truth["statement"] = {"published_at": published.isoformat(),
                          "vague_terms": {"en": ["maybe", "probably", "as soon as possible"],
                                          "zh": ["可能", "大概", "尽快"]},
                          "commitments": _commitments(actions, published)}
    truth["replies"] = _replies(feedback)
    truth["campaigns"] = [
        {"action": c[2], "channel": c[3], "sent": c[7], "redeemed": c[11],
         "conversion": round(c[11] / c[7], 3)} for c in fmt.CAMPAIGNS]
    _write(out / "truth.json", json.dumps(truth, sort_keys=True, indent=2, ensure_ascii=False)
           + "\n")
    return truth


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m crisis_kit.samples [OUT_DIR] [--seed N]``.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status (0).
    """
    parser = argparse.ArgumentParser(prog="python -m crisis_kit.samples",
                                     description="Generate the sample incident.")
    parser.add_argument("out_dir", nargs="?", default="data/samples")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    truth = write_samples(args.out_dir, args.seed)
    summary = (truth["detection"]["alert_at"], truth["rating"]["trough"],
               truth["sales"]["trough_index"])
    print("wrote {}: alert at {}, rating trough {}, sales index trough {}".format(  # noqa: T201
        args.out_dir, *summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
