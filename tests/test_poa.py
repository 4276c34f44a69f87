"""The Plan of Action draft on the sample incident: parts, figures by hand, escaping, tone."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import yaml

from crisis_kit import poa
from crisis_kit.analysis.effects import before_after, windows
from crisis_kit.analysis.evidence import load_evidence
from crisis_kit.errors import ConfigError, InputError
from crisis_kit.pipeline import run_analysis
from crisis_kit.store import open_store

HERO = "B0SAMPLE01"
TZ = "America/Los_Angeles"
LANGS = ("en", "zh")


@pytest.fixture(scope="module")
def analysis(sample_analysis):
    return sample_analysis


@pytest.fixture(scope="module")
def tables(sample_incident):
    with open_store(sample_incident.store_path, read_only=True) as store:
        return {"orders": store.table("orders"), "events": store.events(), "actions": store.actions()}


@pytest.fixture(scope="module")
def drafts(analysis, tables):
    return {lang: poa.draft(analysis, lang, {"orders": tables["orders"]}) for lang in LANGS}


# -- by hand, with plain pandas ----------------------------------------------------------


def day(text):
    return pd.Timestamp(text)


def hand_orders(tables):
    orders = tables["orders"]
    orders = orders[(orders["status"] == "Shipped") & (orders["asin"] == HERO)]
    return orders.assign(day=pd.to_datetime(orders["local_date"]))


def hand_events(tables, analysis):
    """The hero's events: its ASIN, or no ASIN and an order that held it (design.md scope)."""
    events, orders = tables["events"], tables["orders"]
    hero_orders = set(orders.loc[orders["asin"] == HERO, "order_id"])
    events = events[(events["asin"] == HERO)
                    | (events["asin"].isna() & events["order_id"].isin(hero_orders))]
    events = events.drop(columns="topic")
    # each event's topic as the analysis reads it, one by one (analysis.events is grouped:
    # a row there may stand for many events without an id)
    one_by_one = load_evidence(analysis.incident, analysis.as_of, words=False).events
    topic = one_by_one.set_index("event_id")["topic"].astype(str)
    return events.assign(topic=events["event_id"].map(topic), day=pd.to_datetime(events["local_date"]))


def hand_figures(events, orders, topic, start, end):
    inside = events[(events["day"] >= start) & (events["day"] <= end)]
    n_orders = orders.loc[(orders["day"] >= start) & (orders["day"] <= end), "order_id"].nunique()
    complaints = int((inside["is_negative"] & (inside["topic"] == topic)).sum())
    returns = int((inside["source"].isin(["fba_return", "mfn_return"]) & (inside["topic"] == topic)).sum())
    negatives = int(inside["is_negative"].sum())
    return {
        "complaints_per_100_orders": (complaints, n_orders, 100 * complaints / n_orders),
        "return_rate": (returns, n_orders, 100 * returns / n_orders),
        "negative_share": (complaints, negatives, 100 * complaints / negatives),
    }


def hand_fix_days(tables):
    actions = tables["actions"]
    onset = pd.Timestamp("2022-05-02T11:14:50-07:00")
    kept = actions[actions["lane"].isin(["cs", "tech", "platform"]) & (actions["at"] >= onset)]
    return sorted(set(kept["at"].dt.tz_convert(TZ).dt.tz_localize(None).dt.normalize()))


# -- the three parts ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_draft_has_amazons_three_parts_in_order(drafts, lang):
    draft = drafts[lang]
    assert [p.key for p in draft.parts] == ["root_cause", "actions", "prevention"]
    markdown, html = draft.markdown(), draft.html()
    positions = [markdown.index(f"\n## {p.title}\n") for p in draft.parts]
    assert positions == sorted(positions)
    for part in draft.parts:
        assert f">{part.title}</h3>" in html
        assert any(s.paragraphs or s.items for s in part.sections)
    assert f"## {draft.appendix_heading}" in markdown


def test_the_root_cause_names_the_leak_topic_with_counts_and_quotes(drafts, analysis):
    part = drafts["en"].part("root_cause")
    first = part.sections[0].items[0]
    drivers = analysis.topic_drivers.set_index("topic")
    quality = drivers.loc["quality"]
    assert first.text.startswith("Quality and defects: ")
    total = int(drivers["crisis_negative"].sum())
    assert f"{int(quality['crisis_negative'])} of {total} complaints" in first.text
    assert len(first.quotes) == 3
    quoted = analysis.representatives[analysis.representatives["topic"] == "quality"]
    assert [q.event_id for q in first.quotes] == quoted["event_id"].tolist()
    engineering = part.sections[1].items
    assert any("root cause confirmed: batch 2204-B" in item.text for item in engineering)


def test_every_corrective_action_is_listed_with_its_time(drafts, tables):
    actions = tables["actions"]
    listed = drafts["en"].part("actions").sections[0].items
    onset = pd.Timestamp("2022-05-02T11:14:50-07:00")
    expected = actions[actions["lane"].isin(["cs", "tech", "platform"]) & (actions["at"] >= onset)]
    assert len(listed) == len(expected) == 10
    assert listed[-1].text.startswith("2022-05-19 15:00, platform: POA accepted")


# -- the numbers ------------------------------------------------------------------------


def test_fix_dates_are_the_days_of_the_corrective_actions(drafts, tables):
    figures = drafts["en"].figures
    assert sorted(set(figures.loc[figures["kind"] == "fix", "day"])) == hand_fix_days(tables)
    assert set(figures["topic"]) == {"quality", "safety"}


def test_the_valve_fix_windows_are_14_days_either_side(drafts):
    figures = drafts["en"].figures
    row = figures[(figures["kind"] == "fix") & (figures["day"] == day("2022-05-16"))].iloc[0]
    assert (row["before_start"], row["before_end"], row["before_days"]) == (
        day("2022-05-02"), day("2022-05-15"), 14)
    assert (row["after_start"], row["after_end"], row["after_days"]) == (
        day("2022-05-17"), day("2022-05-30"), 14)
    early = figures[(figures["kind"] == "fix") & (figures["day"] == day("2022-05-03"))].iloc[0]
    assert (early["before_start"], early["before_end"]) == (day("2022-05-02"), day("2022-05-02"))


def test_every_before_after_figure_equals_the_one_computed_by_hand(drafts, tables, analysis):
    events, orders = hand_events(tables, analysis), hand_orders(tables)
    figures = drafts["en"].figures
    checked = 0
    for _, row in figures.iterrows():
        for side in ("before", "after"):
            if row[f"{side}_days"] == 0:
                assert row[f"{side}_count"] == 0 and np.isnan(row[f"{side}_value"])
                continue
            by_hand = hand_figures(events, orders, row["topic"], row[f"{side}_start"], row[f"{side}_end"])
            count, base, value = by_hand[row["metric"]]
            assert (row[f"{side}_count"], row[f"{side}_base"]) == (count, base)
            assert row[f"{side}_value"] == pytest.approx(value)
            checked += 1
    assert checked == len(figures) * 2 - 6  # the onset day's fixes have no before window


def test_the_valve_fix_cut_leak_complaints_per_100_orders(drafts, tables, analysis):
    events, orders = hand_events(tables, analysis), hand_orders(tables)
    before = hand_figures(events, orders, "quality", day("2022-05-02"), day("2022-05-15"))
    after = hand_figures(events, orders, "quality", day("2022-05-17"), day("2022-05-30"))
    b, a = before["complaints_per_100_orders"][2], after["complaints_per_100_orders"][2]
    change = 100 * (a - b) / b
    assert a < b and change < -90
    en, zh = drafts["en"].markdown(), drafts["zh"].markdown()
    assert (f"Quality and defects: complaints per 100 orders fell from {b:.1f} to {a:.1f} "
            f"({change:+.0f} %) after 2022-05-16") in en
    assert f"2022-05-16 之后每百单投诉数由 {b:.1f} 降至 {a:.1f}（{change:+.0f}%）" in zh
    counts = (f"{before['complaints_per_100_orders'][0]} complaints in "
              f"{before['complaints_per_100_orders'][1]} orders before")
    assert counts in en
    assert "Windows: before 2022-05-02 to 2022-05-15 (14 days," in en


def test_the_level_since_the_last_fix_is_compared_with_the_weeks_before_the_onset(drafts, tables,
                                                                                   analysis):
    events, orders = hand_events(tables, analysis), hand_orders(tables)
    figures = drafts["en"].figures
    row = figures[(figures["kind"] == "sustained") & (figures["topic"] == "quality")
                  & (figures["metric"] == "complaints_per_100_orders")].iloc[0]
    assert (row["before_start"], row["before_end"]) == (day("2022-04-04"), day("2022-05-01"))
    assert (row["after_start"], row["after_end"]) == (day("2022-05-20"), day("2022-08-31"))
    since = hand_figures(events, orders, "quality", day("2022-05-20"), day("2022-08-31"))
    count, base, value = since["complaints_per_100_orders"]
    assert (row["after_count"], row["after_base"]) == (count, base)
    assert f"{value:.1f} from 2022-05-20 to 2022-08-31 ({count} of {base:,})" in drafts["en"].markdown()


def test_before_after_on_a_few_rows():
    events = pd.DataFrame({
        "local_date": pd.to_datetime(["2022-05-01", "2022-05-02", "2022-05-04", "2022-05-04"]),
        "source": ["review", "fba_return", "review", "fba_return"],
        "is_negative": [True, True, True, False],
        "topic": ["quality", "quality", "quality", "shipping"],
    })
    orders = pd.DataFrame({
        "order_id": ["a", "b", "b", "c", "d"], "asin": ["X", "X", "Y", "X", "X"],
        "status": ["Shipped", "Shipped", "Shipped", "Cancelled", "Shipped - Delivered to Buyer"],
        "local_date": pd.to_datetime(["2022-05-01", "2022-05-02", "2022-05-02", "2022-05-04",
                                      "2022-05-04"]),
    })
    table = before_after(events, orders, "2022-05-03", "quality", window_days=2, asins=["X"],
                         onset_day="2022-05-02").set_index("metric")
    assert table.loc["complaints_per_100_orders", ["before_count", "before_base"]].tolist() == [1, 1]
    assert table.loc["complaints_per_100_orders", "before_value"] == 100.0
    assert table.loc["complaints_per_100_orders", "after_days"] == 2
    assert table.loc["return_rate", ["after_count", "after_base"]].tolist() == [0, 1]
    assert table.loc["negative_share", ["after_count", "after_base"]].tolist() == [1, 1]
    assert table.loc["return_rate", "change_pct"] == -100.0
    before, after = windows("2022-05-03", 2, include_day=True, not_after="2022-05-03")
    assert (before.days, after.days) == (2, 1)


def test_an_empty_window_gives_no_value_rather_than_zero():
    events = pd.DataFrame({"local_date": pd.to_datetime(["2022-05-05"]), "source": ["review"],
                           "is_negative": [True], "topic": ["quality"]})
    orders = pd.DataFrame({"order_id": ["a"], "asin": ["X"], "status": ["Shipped"],
                           "local_date": pd.to_datetime(["2022-05-05"])})
    table = before_after(events, orders, "2022-05-02", "quality", 3, onset_day="2022-05-02")
    assert (table["before_days"] == 0).all() and table["before_value"].isna().all()
    assert table["change_pct"].isna().all()


# -- text, escaping, tone -----------------------------------------------------------------


class Elements(HTMLParser):
    """The tags and attribute names of an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}


def with_quote(analysis, text):
    chosen = analysis.representatives.copy()
    chosen.loc[0, "text"] = text
    return dataclasses.replace(analysis, representatives=chosen)


def test_html_escapes_customer_words_and_is_a_self_contained_fragment(analysis, tables):
    hostile = "Leaks <script>alert(1)</script> & <img src=x onerror=alert(2)> {{7*7}}"
    draft = poa.draft(with_quote(analysis, hostile), "en", {"orders": tables["orders"]})
    html = draft.html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "{{7*7}}" in html
    for forbidden in ("<script", "<img", "<html", "<head", "<body", "<link", "<style"):
        assert forbidden not in html
    parsed = Elements()
    parsed.feed(html)
    assert parsed.tags <= {"section", "h2", "h3", "h4", "p", "ul", "li", "blockquote", "strong",
                           "footer", "table", "thead", "tbody", "tr", "th", "td"}
    assert parsed.attributes <= {"class", "id", "lang", "style"}  # no href, no src
    assert html.startswith("<section") and html.rstrip().endswith("</section>")
    assert hostile in draft.markdown()  # the Markdown keeps the words as written


def test_email_addresses_in_quotes_are_removed(analysis, tables):
    words = "Write to jane.doe.buyer@example.com about the leak"
    for lang in LANGS:
        draft = poa.draft(with_quote(analysis, words), lang, {"orders": tables["orders"]})
        assert "jane.doe.buyer@example.com" not in draft.markdown() + draft.html()
    assert "Write to [e-mail removed] about the leak" in poa.draft(
        with_quote(analysis, words), "en", {"orders": tables["orders"]}).markdown()


@pytest.mark.parametrize("lang", LANGS)
def test_the_drafts_own_words_pass_the_statement_linter(drafts, lang):
    statements = pytest.importorskip("crisis_kit.statements")
    review = statements.lint(drafts[lang].markdown(include_quotes=False), lang)
    assert review.vague == ()
    assert review.emotive == ()
    # A POA is not a customer statement: STAR headings and dated promises do not apply.
    assert {rule.name for rule in review.failed_rules} <= {"star", "commitments"}


def test_markdown_without_quotes_leaves_out_only_the_customers_words(drafts, analysis):
    full, own = drafts["en"].markdown(), drafts["en"].markdown(include_quotes=False)
    first = analysis.representatives.iloc[0]
    assert first["text"].splitlines()[0] in full and first["text"].splitlines()[0] not in own
    assert own.count("\n## ") == full.count("\n## ")


def test_the_evidence_appendix_cites_quotes_actions_and_files(drafts, analysis):
    evidence = drafts["en"].evidence
    quoted = set(analysis.representatives.loc[
        analysis.representatives["topic"].isin(["quality", "safety"]), "event_id"])
    assert set(evidence.loc[evidence["kind"] == "complaint", "reference"]) == quoted
    assert (evidence["kind"] == "action").sum() == 10
    files = set(evidence.loc[evidence["kind"] == "file", "reference"])
    assert files == {"reviews.csv", "fba_returns.txt", "seller_feedback.txt", "orders.txt",
                     "response_log.csv"}
    assert evidence["source_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    markdown = drafts["en"].markdown()
    for sha in evidence["source_sha256"]:
        assert sha in markdown


def test_the_strings_of_both_languages_have_the_same_keys():
    from crisis_kit.poa.document import DATA

    data = yaml.safe_load((DATA / "poa_strings.yaml").read_text(encoding="utf-8"))

    def keys(node, prefix=""):
        if not isinstance(node, dict):
            return {prefix}
        return set().union(*(keys(v, f"{prefix}.{k}") for k, v in node.items()))

    assert keys(data["en"]) == keys(data["zh"])


def test_draft_refuses_an_unknown_language_and_an_analysis_without_onset(analysis, tables):
    with pytest.raises(ConfigError, match="no language 'de'"):
        poa.draft(analysis, "de", {"orders": tables["orders"]})
    calm = dataclasses.replace(
        analysis, detection=dataclasses.replace(analysis.detection, onset=None))
    with pytest.raises(InputError, match="no onset"):
        poa.draft(calm, "en", {"orders": tables["orders"]})


def test_draft_reads_the_orders_from_the_store_when_not_given(analysis, drafts):
    again = poa.draft(analysis, "en")
    pd.testing.assert_frame_equal(again.figures, drafts["en"].figures)
    assert again.markdown() == drafts["en"].markdown()


def test_as_of_cuts_the_after_windows_at_the_last_day(sample_incident, tables):
    early = run_analysis(sample_incident, as_of="2022-05-25")
    draft = poa.draft(early, "en")
    figures = draft.figures
    last = figures[(figures["kind"] == "fix") & (figures["day"] == day("2022-05-19"))].iloc[0]
    assert (last["after_start"], last["after_end"], last["after_days"]) == (
        day("2022-05-20"), day("2022-05-25"), 6)
    orders = hand_orders(tables)
    assert last["after_base"] == orders.loc[
        (orders["day"] >= day("2022-05-20")) & (orders["day"] <= day("2022-05-25")), "order_id"].nunique()
    assert "data up to 2022-05-25" in draft.markdown()
