"""Distinctive phrases by weighted log-odds (Monroe, Colaresi and Quinn 2008)."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from crisis_kit.analysis.phrases import (
    PRIOR_STRENGTH,
    distinctive_phrases,
    language,
    log_odds,
    tokens,
)


def test_log_odds_by_hand():
    recent, before = Counter({"valve": 6, "leak": 2}), Counter({"valve": 1, "leak": 3})
    table = log_odds(recent, before).set_index("phrase")
    n_a, n_b, a0 = 8, 4, PRIOR_STRENGTH
    alpha = a0 * 7 / 12  # "valve": 6 + 1 of 12 phrases
    delta = (math.log((6 + alpha) / (n_a + a0 - 6 - alpha))
             - math.log((1 + alpha) / (n_b + a0 - 1 - alpha)))
    z = delta / math.sqrt(1 / (6 + alpha) + 1 / (1 + alpha))
    assert table.at["valve", "z"] == z and z > 0
    assert table.at["leak", "z"] < 0  # rarer now than before
    assert list(table.index) == ["valve", "leak"]


def test_tokens_per_language():
    assert tokens("The valve is leaking everywhere", "en") == ["valve", "leaking", "everywhere"]
    assert tokens("Das Ventil ist nicht dicht", "de") == ["ventil", "nicht", "dicht"]
    assert "制冷" in tokens("制冷效果差，还不如美的", "zh")
    assert "バッテリー" in tokens("充電してもすぐにバッテリーが切れる", "ja")
    assert (language("すぐ壊れた"), language("质量差"), language("kaputt", "DE"),
            language("broken")) == ("ja", "zh", "de", "en")


def test_distinctive_phrases_name_what_no_topic_names():
    rows = []
    for day in range(1, 15):  # before: generic complaints
        rows.append((f"2024-03-{day:02d}", "Not happy with it, the colour is dull"))
    for day in range(15, 29):  # recent: the hinge comes up, which no topic names
        rows.append((f"2024-03-{day:02d}", "The hinge squeaks and the hinge wobbles"))
        rows.append((f"2024-03-{day:02d}", "It leaks everywhere"))  # quality names this
    frame = pd.DataFrame(rows, columns=["local_date", "text"]).assign(title="")
    table = distinctive_phrases(frame, pd.Timestamp("2024-03-15"), pd.Timestamp("2024-03-28"),
                                14)
    assert table.iloc[0]["phrase"] == "hinge" and table.iloc[0]["recent"] == 28
    assert "leaks" not in set(table["phrase"])  # a topic's keyword: left out
    assert table.iloc[0]["example_1"].startswith("The hinge")
    again = distinctive_phrases(frame.iloc[::-1], pd.Timestamp("2024-03-15"),
                                pd.Timestamp("2024-03-28"), 14)
    assert table[["phrase", "z"]].equals(again[["phrase", "z"]])


def test_the_report_shows_them_escaped(sample_incident):
    from crisis_kit.report import sections

    report = sections.build(sample_incident.root / "incident.yaml", lang="en")
    html = report.topic_drivers().html
    assert "What customers say that no topic names" in html and "valve" in html
    assert "<script>" not in html


def test_a_negation_counts_inside_a_pair_never_alone():
    """On the amazon.in iPhone file "not" (72 recent, 6 before) led the table: it says nothing
    alone; "not working" does."""
    from crisis_kit.analysis.phrases import phrase_counts

    counts, each = phrase_counts(["Phone not working", "Nicht gut, kein Ton"], ["en", "de"])
    assert "not" not in counts and "nicht" not in counts and "kein" not in counts
    assert counts["not working"] == 1 and counts["nicht gut"] == 1 and counts["kein ton"] == 1
    assert "not working" in each[0]
