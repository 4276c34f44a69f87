"""The statement linter (STAR, vague and emotive words, dated commitments), the check of
commitments against the actions log, and reply consistency: the library, as units.

The command line is in test_statement_cli.py; the statement in summary.json in test_pipeline.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from crisis_kit.errors import ConfigError, InputError
from crisis_kit.statements import check_commitments, detect_language, lint, lint_file
from crisis_kit.statements.lexicon import load_lexicon
from crisis_kit.statements.replies import collect_replies, reply_consistency

from .conftest import SAMPLES

# Published on a Friday, so that "in 3 business days" skips a weekend.
EN_FINDINGS = """Published: 2022-05-06T10:00:00-07:00

# Statement on cracked tumbler lids

## Situation

Since May 3, 2022, some customers have reported cracked lids on our 20 oz tumblers.

## Truth

We believe the lids were damaged by malicious buyers.

## Action

We will refund every affected order within 72 hours. Replacement lids will ship in 3 business days.
We will reply to every message by May 10.

## Result

A new lid will be in stock within 2 weeks, maybe sooner.
"""

# Published on a Monday, 09:00 in China.
ZH_FINDINGS = """发布时间：2022-05-02T09:00:00+08:00

# 关于保温杯盖开裂的声明

一、情况

自5月1日起，部分用户反映 20 盎司保温杯的杯盖开裂。

二、真相

经核实，杯盖开裂可能是由于用户使用不当。

三、行动

我们将在72小时内为所有受影响的订单退款，并在3个工作日内补发新杯盖。我们会尽快回复每一条消息。

四、结果

新设计的杯盖将于5月10日前到货。
"""

EN_CLEAN = """Published: 2022-05-02T15:45:00-07:00

## Situation
Since May 2, 2022, 312 customers who bought our 9 oz bottles between April 25 and May 2
have reported leaking valves.

## Truth
After verification we found that valve batch 2204-B was cut outside its tolerance.

## Action
We have immediately stopped selling batch 2204-B. We will refund all 312 affected orders
within 72 hours.

## Result
A redesigned valve will be in stock by May 16, 2022, and every bottle now passes a leak
test before shipping.
"""

ZH_CLEAN = """发布时间：2022-05-02T15:45:00+08:00

## 情况
自2022年5月2日起，312 位顾客反映排气阀漏奶。

## 真相
经核实，批次 2204-B 的排气阀切口超出公差。

## 行动
我们已立即停售批次 2204-B，并将在72小时内为全部 312 个订单退款。

## 结果
新设计的阀门将于2022年5月16日到货，每只奶瓶出厂前均通过漏水测试。
"""

NO_HEADINGS = ("Since May 2, customers have reported leaking valves. After verification we found "
               "that batch 2204-B was cut outside its tolerance. We have immediately stopped selling "
               "it and will refund every order within 72 hours. Going forward, every valve is "
               "tested before shipping.")


def _actions(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"at": pd.to_datetime([r[0] for r in rows], utc=True),
                         "lane": [r[1] for r in rows], "action": [r[2] for r in rows],
                         "channel": "seller-central"})


def _sample_actions() -> pd.DataFrame:
    actions = pd.read_csv(SAMPLES / "response_log.csv")
    return actions.assign(at=pd.to_datetime(actions["at"], utc=True))


@pytest.fixture(scope="module")
def truth():
    return json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))["statement"]


# -- English ---------------------------------------------------------------------------
def test_english_statement_every_finding():
    review = lint(EN_FINDINGS)
    assert review.language == "en"
    assert review.published_at == dt.datetime.fromisoformat("2022-05-06T10:00:00-07:00")
    assert review.star_found == {"situation": True, "truth": True, "action": True, "result": True}
    assert [p.how for p in review.star] == ["heading"] * 4
    assert review.part("truth").sentence == "We believe the lids were damaged by malicious buyers."
    assert review.part("truth").line == 11

    vague = [(f.term, f.text, f.line, f.column, f.start) for f in review.vague]
    assert vague == [
        ("some customers", "some customers", 7, 20, EN_FINDINGS.index("some customers")),
        ("we believe", "We believe", 11, 1, EN_FINDINGS.index("We believe")),
        ("maybe", "maybe", 20, 44, EN_FINDINGS.index("maybe")),
    ]
    assert all(f.alternative for f in review.vague)
    assert [(f.term, f.kind, f.line, f.column) for f in review.emotive] == [
        ("malicious", "blaming", 11, 37)]

    commitments = [(c.phrase, c.kind, c.deadline_hours, c.line) for c in review.commitments]
    assert commitments == [
        ("within 72 hours", "refund", 72.0, 15),
        ("in 3 business days", "replacement", 120.0, 15),  # Fri 10:00 -> Wed 10:00
        ("by May 10", "reply", 110.0, 16),  # to the end of May 10, Pacific
        ("within 2 weeks", "restock", 336.0, 20),
    ]
    assert review.commitments[0].text == "We will refund every affected order within 72 hours"
    assert review.commitments[2].deadline_at == dt.datetime.fromisoformat("2022-05-11T00:00:00-07:00")

    assert review.passed is False
    assert [r.name for r in review.failed_rules] == ["vague", "emotive"]
    assert review.score == 40 + 0 + 0 + 15


def test_english_overlaps_months_and_numbers():
    review = lint("We will answer as soon as possible. Our May 16 batch may leak. "
                  "About 300 orders, a note about the valve. Couldn't be clearer, possibly.", "en")
    assert [f.text for f in review.vague] == ["as soon as possible", "may", "About", "possibly"]


# -- Chinese ---------------------------------------------------------------------------
def test_chinese_statement_every_finding():
    review = lint(ZH_FINDINGS)
    assert review.language == "zh"
    assert review.star_found == {"situation": True, "truth": True, "action": True, "result": True}
    assert [p.heading for p in review.star] == ["情况", "真相", "行动", "结果"]

    vague = [(f.term, f.line, f.column, f.start) for f in review.vague]
    assert vague == [
        ("部分用户", 7, 8, ZH_FINDINGS.index("部分用户")),
        ("可能", 11, 9, ZH_FINDINGS.index("可能")),
        ("尽快", 15, 39, ZH_FINDINGS.index("尽快")),
    ]
    assert [(f.term, f.kind) for f in review.emotive] == [("使用不当", "blaming")]

    commitments = [(c.phrase, c.kind, c.deadline_hours) for c in review.commitments]
    assert commitments == [
        ("72小时内", "refund", 72.0),
        ("3个工作日内", "replacement", 72.0),  # Mon 09:00 -> Thu 09:00
        ("将于5月10日", "restock", 207.0),  # to the end of May 10, +08:00
    ]
    assert review.commitments[0].text == "我们将在72小时内为所有受影响的订单退款"
    assert [r.name for r in review.failed_rules] == ["vague", "emotive"]


def test_chinese_terms_survive_hard_wrapping_and_chinese_numerals():
    review = lint("经核实，问题可\n能涉及部分批次。我们将在七天内补发，两周内到货，5月10日前退款。", "zh")
    assert [(f.term, f.text) for f in review.vague] == [("可能", "可\n能")]
    assert [c.deadline_hours for c in review.commitments] == [168.0, 336.0, None]


# -- rules and verdict -----------------------------------------------------------------
@pytest.mark.parametrize("text", [EN_CLEAN, ZH_CLEAN], ids=["en", "zh"])
def test_clean_statement_passes(text):
    review = lint(text)
    assert review.passed is True
    assert review.failed_rules == ()
    assert review.score == 100
    assert review.vague == () and review.emotive == ()
    assert all(review.star_found.values())
    assert [c.deadline_hours for c in review.commitments][0] == 72.0


def test_parts_found_by_content_cues_without_headings():
    review = lint(NO_HEADINGS, "en")
    assert [p.how for p in review.star] == ["cue"] * 4
    assert review.part("truth").sentence.startswith("After verification we found")
    assert review.passed is True


def test_missing_part_fails_the_star_rule():
    review = lint(NO_HEADINGS.rsplit(" Going forward", 1)[0], "en")
    assert review.star_found["result"] is False
    assert [r.name for r in review.failed_rules] == ["star"]
    assert "result" in review.failed_rules[0].message


def test_no_dated_commitment_fails():
    review = lint("Since May 2 customers reported leaks. After verification we found a bad batch. "
                  "We have immediately stopped selling it. Going forward every valve is tested.", "en")
    assert [r.name for r in review.failed_rules] == ["commitments"]


@pytest.mark.parametrize(("heading", "part"), [
    ("## Situation", "situation"), ("**What we found**", "truth"), ("二、行动", "action"),
    ("### 结果（Result）", "result"), ("The facts:", "truth"),
])
def test_heading_styles(heading, part):
    review = lint(f"{heading}\nWe refund every order within 72 hours.\n", "en")
    assert review.part(part).how == "heading"


def test_inline_label_is_a_heading():
    review = lint("Truth: after verification the valve was cut outside its tolerance.", "en")
    assert review.part("truth").how == "heading"
    assert review.part("truth").sentence.startswith("after verification")


def test_a_deadline_in_a_report_of_the_past_is_no_commitment():
    review = lint("Within two weeks complaints passed 300. In 3 days we will ship by Friday.", "en",
                  published_at="2022-05-02T09:00:00-07:00")  # a Monday
    assert [(c.phrase, c.deadline_hours) for c in review.commitments] == [
        ("In 3 days", 72.0), ("by Friday", 111.0)]
    zh = lint("两周内投诉超过300条。我们承诺3天内退款。最迟5月10日前补发。", "zh",
              published_at="2022-05-09T12:00:00+08:00")
    assert [(c.phrase, c.deadline_hours) for c in zh.commitments] == [("3天内", 72.0),
                                                                     ("最迟5月10日前", 36.0)]


def test_publication_time_given_and_missing():
    text = "We will refund within 72 hours and ship by May 10."
    bare = lint(text, "en")
    assert bare.published_at is None
    assert [c.deadline_hours for c in bare.commitments] == [72.0, None]
    given = lint(text, "en", published_at="2022-05-09T12:00:00+00:00")
    assert [c.deadline_hours for c in given.commitments] == [72.0, 36.0]


def test_language_detection_and_bad_language():
    assert detect_language(EN_FINDINGS) == "en"
    assert detect_language(ZH_FINDINGS) == "zh"
    with pytest.raises(ConfigError, match="use one of en, zh"):
        lint("text", "fr")
    with pytest.raises(InputError, match="no text"):
        lint("Published: 2022-05-02T09:00:00-07:00\n\n")


def test_users_extend_the_vague_terms(tmp_path):
    extra = tmp_path / "terms.yaml"
    extra.write_text("en:\n  - {term: tentatively, alternative: a date}\n", encoding="utf-8")
    review = lint("We will tentatively refund.", "en", lexicon=load_lexicon(vague=extra))
    assert [(f.term, f.alternative) for f in review.vague] == [("tentatively", "a date")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("en:\n  - {word: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs a non-empty `term`"):
        load_lexicon(vague=bad)


# -- the sample incident ---------------------------------------------------------------
@pytest.mark.parametrize(("name", "language"), [("statement.md", "en"), ("statement.zh.md", "zh")])
def test_sample_statements_give_the_planted_findings(name, language, truth):
    review = check_commitments(lint_file(SAMPLES / name), _sample_actions(),
                               timezone="America/Los_Angeles")
    assert review.language == language
    assert review.published_at.isoformat() == truth["published_at"]
    assert all(review.star_found.values())
    assert [f.term for f in review.vague] == truth["vague_terms"][language]
    assert review.emotive == ()
    assert review.passed is False
    assert [r.name for r in review.failed_rules] == ["vague"]
    planted = {c["deadline_hours"]: c for c in truth["commitments"]}
    found = {c.deadline_hours: c for c in review.commitments}
    for hours, expected in planted.items():
        assert found[hours].kept is expected["kept"]
        assert found[hours].evidence_action == expected["action"]
        assert found[hours].evidence_hours == expected["hours_after_publication"]
        if language == "en":
            assert expected["text"] in found[hours].text
    # The statement's Result also promises stock by May 16; the valve arrived that morning.
    assert found[344.25].kind == "restock" and found[344.25].kept is True


# -- commitments against the evidence ---------------------------------------------------
def test_commitment_checks_say_what_would_check_them():
    review = lint(EN_FINDINGS)
    actions = _actions([("2022-05-07T09:00:00-07:00", "cs", "refund all affected orders"),
                        ("2022-05-20T09:00:00-07:00", "tech", "new lids received at FBA")])
    checked = check_commitments(review, actions, as_of=dt.date(2022, 5, 31),
                                timezone="America/Los_Angeles")
    kept = [(c.kind, c.kept) for c in checked.commitments]
    assert kept == [("refund", True), ("replacement", None), ("reply", None), ("restock", True)]
    assert "replacement shipment in the actions log" in checked.commitments[1].evidence
    assert checked.commitments[0].evidence_hours == 23.0
    undated = check_commitments(lint("We will refund within 72 hours.", "en"), actions)
    assert undated.commitments[0].kept is None
    assert "no publication time" in undated.commitments[0].evidence


def test_refund_returns_are_reported_when_no_refund_is_logged():
    review = lint(EN_CLEAN)
    events = pd.DataFrame({"source": ["mfn_return", "review"], "disposition": ["StandardRefund", None],
                           "status": ["Approved", None]})
    checked = check_commitments(review, _actions([]), events)
    assert checked.commitments[0].kept is None
    assert "1 returns in the exports show a refund" in checked.commitments[0].evidence


# -- replies -----------------------------------------------------------------------------
def test_reply_consistency_share_and_contradictions():
    review = lint(EN_CLEAN)
    templates = ["Sorry for the leak, {name}. We will refund your order within 72 hours."]
    replies = [
        "Sorry for the leak, Ann. We will refund your order within 72 hours.",
        "sorry for the leak, Bo! We will refund your order within 72 hours.",
        "Sorry for the leak. We will refund your order within 5 days.",
        "Our bottles are not defective; batch 2205-A passed every test.",
    ]
    result = reply_consistency(templates, replies, review)
    assert result.total == 4
    assert result.replies["follows"].tolist() == [True, True, True, False]
    assert result.share == 0.75
    contradictions = result.replies["contradiction"].tolist()
    assert contradictions[:2] == [None, None]
    assert "within 5 days (120 h); the statement says within 72 hours (72 h)" in contradictions[2]
    assert "names batch 2205-A; the statement names 2204-B" in contradictions[3]
    assert "'not defective'" in contradictions[3]
    assert result.summary() == {"replies": 4, "following_template": 3, "share": 0.75,
                                "contradicting": 2}


def test_replies_are_collected_from_feedback_and_the_actions_log():
    events = pd.DataFrame({"event_id": ["e1", "e2"], "source": ["seller_feedback"] * 2,
                           "occurred_at": pd.to_datetime(["2022-05-03", "2022-05-04"]),
                           "response": ["We have refunded your order.", None]})
    actions = _actions([("2022-05-03T10:00:00-07:00", "cs", "We will refund within 72 hours.")])
    actions.loc[0, "channel"] = "reply"
    actions["ref"] = "msg-1"
    replies = collect_replies(events, actions)
    assert replies["source"].tolist() == ["seller_feedback", "actions"]
    assert replies["text"].tolist() == ["We have refunded your order.", "We will refund within 72 hours."]
    assert reply_consistency([], replies).share is None


def test_reply_templates_are_read_from_the_markdown_crisis_kit_new_writes(tmp_path):
    from crisis_kit.errors import ConfigError
    from crisis_kit.statements.replies import read_templates

    path = tmp_path / "replies.md"
    path.write_text("# Team X: reply templates\n\nIntro line.\n\n## Refund\n\nSubject: Order [id]\n\n"
                    "We have refunded {name}.\nThank you.\n\n## 延迟\n\n主题：订单\n\n抱歉，物流延迟。\n",
                    encoding="utf-8")
    assert read_templates(path) == ["We have refunded {name}.\nThank you.", "抱歉，物流延迟。"]
    (tmp_path / "one.md").write_text("Sorry for the delay.\n", encoding="utf-8")
    assert read_templates(tmp_path / "one.md") == ["Sorry for the delay."]
    (tmp_path / "empty.md").write_text("## A\n\nSubject: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds no template"):
        read_templates(tmp_path / "empty.md")
    with pytest.raises(ConfigError, match="reply_templates"):
        read_templates(tmp_path / "missing.md")
