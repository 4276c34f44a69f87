"""Topic coverage on the real negative reviews: the share with a topic other than `other`.

Reads each real review file of ``../shared/data/real`` (negatives: 1-2 stars, or label 0
in the Chinese corpus; the JD "wrote nothing" placeholders left out), assigns topics with
the bundled taxonomy and prints, per file, the coverage and the topic counts. With
``--sample N`` it also prints N random negatives per file (seed 7) with their topic: the
hand check of docs/topics.md is made from that list.

Usage: python bench/topic_coverage.py [--sample 50] [--other 20] [--handcheck]

``--handcheck`` prints the hand check recorded in ``bench/topic_handcheck.yaml`` as the
markdown of ``docs/topics-handcheck.md``: each sampled review (shortened), the topic
given, whether a careful reader agrees, and the reader's topic where not.
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
PLACEHOLDER = re.compile(r"此用户未(?:填写|及时)|系统默认|用户未填写")


def _stars(value: str) -> float:
    found = re.search(r"[0-9]+(?:\.[0-9]+)?", str(value))
    return float(found.group(0)) if found else float("nan")


def negatives() -> dict[str, pd.DataFrame]:
    """Each real review file's negative reviews as (title, text), by file name."""
    out: dict[str, pd.DataFrame] = {}
    read = dict(dtype=str, keep_default_na=False)
    d = pd.read_csv(REAL / "Datafiniti_Amazon_Consumer_Reviews_of_Amazon_Products.csv",
                    encoding="utf-8-sig", **read)
    d = d[d["reviews.rating"].map(_stars) <= 2]
    out["datafiniti"] = pd.DataFrame({"title": d["reviews.title"], "text": d["reviews.text"]})
    i = pd.read_csv(REAL / "apple_iphone_11_reviews.csv", encoding="cp1252", **read)
    i = i[i["review_rating"].map(_stars) <= 2]
    out["iphone"] = pd.DataFrame({"title": i["review_title"], "text": i["review_text"]})
    a = pd.read_csv(REAL / "kaggle_amazon_alexa.tsv", sep="\t", encoding="utf-8-sig",
                    quoting=3, **read)
    a = a[a["rating"].map(_stars) <= 2]
    out["alexa"] = pd.DataFrame({"title": "", "text": a["verified_reviews"]})
    b = pd.read_csv(REAL / "coursera_amazon_baby_first4213rows.csv", **read)
    b = b[b["rating"].map(_stars) <= 2]
    out["baby"] = pd.DataFrame({"title": "", "text": b["review"]})
    s = pd.read_csv(REAL / "online_shopping_10_cats_subset.csv", **read)
    s = s[(s["label"] == "0") & (s["cat"] != "酒店")]  # hotels are not products
    out["online_shopping"] = pd.DataFrame({"title": "", "text": s["review"]})
    j = pd.read_csv(REAL / "jd_aircon_jd_comment_data_gbk.csv", encoding="gb18030", **read)
    j = j.drop_duplicates()
    j = j[(j["打分"].map(_stars) <= 2) & ~j["评论内容"].str.contains(PLACEHOLDER)]
    out["jd"] = pd.DataFrame({"title": "", "text": j["评论内容"]})
    for name, frame in out.items():
        frame = frame[(frame["title"].str.strip() != "") | (frame["text"].str.strip() != "")]
        out[name] = frame.assign(reason=None, reason_group=None).reset_index(drop=True)
    return out


HANDCHECK = REPO / "bench" / "topic_handcheck.yaml"


def handcheck_markdown() -> str:
    """The recorded hand check as markdown tables, one per file, with the sentences."""
    import yaml

    checked = yaml.safe_load(HANDCHECK.read_text(encoding="utf-8"))
    frames = negatives()
    lines = ["# Topics: the hand check on real reviews", "",
             "Written by `python bench/topic_coverage.py --handcheck` from "
             "`bench/topic_handcheck.yaml` (see docs/topics.md for the method and the "
             "caveats). Reviews are shortened to 120 characters here (the files may not be "
             "copied); they were read in full.",
             ""]
    summary = []
    for name, rows in checked.items():
        right = sum(r["right"] for r in rows)
        summary.append(f"| {name} | {right} of {len(rows)} ({right / len(rows):.0%}) |")
    lines += ["| file | right |", "|---|---|", *summary, ""]
    for name, rows in checked.items():
        frame = frames[name]
        lines += [f"## {name}", "", "| row | review | given | right | reader's topic |",
                  "|---|---|---|---|---|"]
        for r in rows:
            words = " — ".join(p for p in (frame.at[r["row"], "title"], frame.at[r["row"], "text"])
                               if str(p).strip())
            words = re.sub(r"\s+", " ", words).replace("|", "/")
            short = words[:120] + ("…" if len(words) > 120 else "")
            reader = "" if r["right"] else f"{r['reader']}: {r['why']}"
            lines.append(f"| {r['row']} | {short} | {r['given']} | "
                         f"{'yes' if r['right'] else '**no**'} | {reader} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(REPO))
    from crisis_kit.analysis.topics import assign

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--other", type=int, default=0, help="print N uncovered negatives")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--handcheck", action="store_true",
                        help="print bench/topic_handcheck.yaml as markdown, with the sentences")
    args = parser.parse_args()
    if args.handcheck:
        print(handcheck_markdown())
        return 0
    if not REAL.is_dir():
        print(f"no real data at {REAL}")
        return 1
    result = {}
    for name, frame in negatives().items():
        topics = assign(frame).astype(str)
        coverage = float((topics != "other").mean())
        result[name] = {"negatives": len(frame), "coverage": round(coverage, 3),
                        "topics": topics.value_counts().to_dict()}
        if not args.json:
            print(f"{name}: {len(frame)} negatives, coverage {coverage:.3f}  "
                  + ", ".join(f"{k} {v}" for k, v in topics.value_counts().items()))
        if args.other:
            others = frame[topics == "other"].sample(min(args.other, int((topics == "other").sum())),
                                                     random_state=3)
            for row in others.itertuples():
                print(f"   OTHER | {row.title[:60]} | {row.text[:220]!r}")
        if args.sample:
            picked = frame.sample(min(args.sample, len(frame)), random_state=7)
            for index, row in zip(picked.index, picked.itertuples(), strict=True):
                words = " — ".join(p for p in (row.title, row.text) if p.strip())
                print(f"   {index:>5} {topics[index]:<12} {words[:200]!r}")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
