"""Topics: keywords in four languages, precedence, shares, drivers, representatives."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisis_kit.analysis.tagging import ascii_words, joined_words
from crisis_kit.analysis.topics import (
    OTHER,
    assign,
    assign_sql,
    daily_shares,
    drivers,
    load_taxonomy,
    representatives,
)
from crisis_kit.errors import ConfigError
from crisis_kit.store import open_store

TAXONOMY = load_taxonomy()
TOPIC_NAMES = ["safety", "packaging", "quality", "authenticity", "listing", "fit", "usability",
               "shipping", "service", "value", OTHER]


def one(title: str = "", text: str = "", reason: str | None = None, group: str | None = None) -> str:
    frame = pd.DataFrame({"title": [title], "text": [text], "reason": [reason], "reason_group": [group]})
    return str(assign(frame).iloc[0])


@pytest.mark.parametrize(("text", "topic"), [
    # English
    ("The valve leaks after a day", "quality"),
    ("It got way too hot and burned my hand", "safety"),
    ("Shipping took forever.", "shipping"),
    ("Runs small, order a size up. Too small for my son", "fit"),
    ("Not as described on the listing", "listing"),
    ("Customer service never replied", "service"),
    ("Box was crushed, item ok.", "packaging"),
    # Chinese
    ("奶瓶漏水，很失望", "quality"),
    ("宝宝被烫伤了", "safety"),
    ("快递太慢", "shipping"),
    ("尺寸偏小", "fit"),
    ("与描述不符", "listing"),
    ("客服不回复", "service"),
    ("外包装压坏了", "packaging"),
    # German
    ("Die Flasche ist undicht", "quality"),
    ("Das Gerät ist überhitzt und hat mich verbrannt", "safety"),
    ("Die Lieferung kam zwei Wochen zu spät", "shipping"),
    ("Passt nicht, viel zu klein", "fit"),
    ("Nicht wie beschrieben", "listing"),
    ("Der Kundenservice antwortet nicht", "service"),
    ("Die Verpackung war aufgerissen", "packaging"),
    # Japanese
    ("水漏れがひどいです", "quality"),
    ("子供がやけどしました", "safety"),
    ("なかなか届かない、配送が遅い", "shipping"),
    ("サイズが合わない", "fit"),
    ("写真と違う色でした", "listing"),
    ("問い合わせても返信がない", "service"),
    ("梱包がひどく、箱が潰れていた", "packaging"),
    # nothing the taxonomy knows
    # Issue 12: families grown from real negative reviews (../shared/data/real), shortened
    ("Battery drain fast and charge late.", "quality"),                  # amazon.in iPhone
    ("Heating issue while charging", "quality"),                         # amazon.in iPhone
    ("My new XR PHONE is GETTING HUNG frequently", "quality"),            # amazon.in iPhone
    ("So slow returning mine for something different", "quality"),       # Datafiniti
    ("The echo dot disconnects from the speaker about 12-20 times a day", "quality"),  # Alexa
    ("The volume is very low", "quality"),                               # Alexa
    ("Gave duplicate earphones.. Cheater", "authenticity"),              # amazon.in iPhone
    ("I have a doubt it is an old one", "authenticity"),                 # amazon.in iPhone
    ("Do not buy the refurbished product.", "authenticity"),             # Alexa
    ("Apple is still giving 1amp charger with such expensive phone", "value"),  # iPhone
    ("Ear pods were not given with my phone", "listing"),                # amazon.in iPhone
    ("I got a different item", "listing"),                               # amazon.in iPhone
    ("Too difficult to set up. It keeps timing out", "usability"),       # Alexa
    ("Hard to use, Lots of ads, and Randomly closes apps", "quality"),   # Datafiniti: closes
    ("Not user Friendly", "usability"),                                  # Datafiniti
    ("Cumbersome, complicated and not kid friendly", "usability"),       # Datafiniti
    ("Waste of money over the echo generation 2.", "value"),             # Alexa
    ("Sad joke. Worthless.", "value"),                                   # Alexa
    ("Damage Product Received", "packaging"),                            # amazon.in iPhone
    ("Phone does not start", "quality"),                                 # amazon.in iPhone
    ("前天下的单，今天到货。一看价格跌了200元", "value"),                     # online_shopping
    ("刚买完就降价，非常不爽", "value"),                                       # online_shopping
    ("开始买回来就有点卡", "quality"),                                        # online_shopping
    ("不咋滴，二手，懒得退了", "authenticity"),                                # online_shopping
    ("VISTA系统难操作，不习惯", "usability"),                                  # online_shopping
    ("为什么不免费安装，上门安装要收取费用", "service"),                          # JD air conditioners
    ("制冷效果差，还不如美的", "quality"),                                     # JD air conditioners
    ("噪音是真的大说实话", "quality"),                                        # JD air conditioners
    ("衣服有一股怪味 感觉不是纯棉的", "quality"),                               # online_shopping
    ("Akku hält nur einen Tag", "quality"),
    ("Die App stürzt ständig ab", "quality"),
    ("Schwer zu reinigen und umständlich", "usability"),
    ("Leider eine Fälschung, nicht original", "authenticity"),
    ("Zwei Tage später war der Preis gesunken", "value"),
    ("充電してもすぐにバッテリーが切れる", "quality"),
    ("アプリの設定が分かりにくい", "usability"),
    ("中古品のような使用感がありました", "authenticity"),
    ("値段の割に品質が悪い", "quality"),
    # German and Japanese: one real review (the Multilingual Amazon Reviews Corpus's own
    # sample in its dataset card), the others typical phrasings written for these tests:
    # no real German or Japanese review file is at hand (docs/topics.md says so)
    ("Leider, leider nach einmal waschen ausgeblichen . Es sieht super hübsch aus , nur "
     "leider stinkt es ganz schrecklich", "quality"),                     # MARC, de, 1 star
    ("Nach kurzer Zeit funktioniert das Gerät nicht mehr. Schrott!", "quality"),
    ("Die Ware kam beschädigt an, der Karton war eingedrückt", "packaging"),
    ("Deutliche Gebrauchsspuren, das war keine Neuware", "authenticity"),
    ("Der Artikel ist viel zu klein, fällt kleiner aus", "fit"),
    ("Verkäufer meldet sich nicht, keine Erstattung", "service"),
    ("届いて3日で動かなくなりました。初期不良だと思います", "quality"),
    ("イメージと違いました。色も写真と違う", "listing"),
    ("注文してから2週間、まだ届きません", "shipping"),
    ("返品したのに返金されません", "service"),
    ("コスパが悪いです", "value"),
    ("コスパは良いが音が小さい", "quality"),                                  # コスパ alone is weak
    ("Our baby refused to take this bottle at all.", OTHER),
    ("", OTHER),
])
def test_each_language_finds_its_topic(text, topic):
    assert one(text=text) == topic


@pytest.mark.parametrize(("title", "text", "topic"), [
    # weak words decide only where no topic's own words match (real sentences, shortened)
    ("", "A nurse at the hospital recommended these bottles ... then they started to leak.",
     "quality"),                                                                 # baby: not safety
    ("", "花了100安装费，师傅态度极差", "service"),                                   # JD: installation
    ("", "约好的安装时间没按时来。物流好评。", "service"),                             # JD: praise of 物流
    ("", "售后啥的没毛病，预约安装时间到了，未见到任何动静", "service"),                 # JD: 没毛病 = fine
    ("", "I will be contacting the seller for a refund", "service"),             # only weak words
    ("", "The battery does not last a day", "quality"),                          # strong phrase
    ("", "battery", "quality"),                                                  # weak alone
    # the customer's own title names the topic before the body does
    ("Not genuine seller", "My phone goes completely silent many times and i have to restart it.",
     "authenticity"),                                                            # amazon.in iPhone
    ("Fake handset received", "speaker related issues; service center denied to repair",
     "authenticity"),
    # ... but safety is looked for everywhere first
    ("Terrible quality", "The lid cracked and the hot tea burned my hand", "safety"),
])
def test_passes_weak_words_and_titles(title, text, topic):
    assert one(title=title, text=text) == topic
    frame = pd.DataFrame([(title, text, None, None)], columns=["title", "text", "reason", "reason_group"])
    assert in_duckdb(frame) == [topic]


def test_matching_ignores_case_and_respects_word_boundaries():
    assert one(text="LEAKS EVERYWHERE") == "quality"
    # heat in normal use is a quality complaint (design.md section 8); a burn is safety
    assert one(text="ÜBERHITZT nach fünf Minuten") == "quality"  # case folding beyond ASCII
    assert one(text="ÜBERHITZT und VERBRANNT") == "safety"
    assert one(text="a bleak outlook") == OTHER                # "leak" inside a word
    assert one(text="the bottle is leaking") == "quality"      # leak* takes endings
    assert one(text="he was fired from his job") == OTHER      # fire is a whole word
    assert one(text="it caught fire!") == "safety"
    assert one(text="it doesn’t work") == "quality"            # a curly apostrophe
    assert one(text="the box\nwas   crushed") == "packaging"   # any whitespace between words
    assert one(title="Leaks", text="") == "quality"            # the title counts too


def test_precedence_first_topic_wins():
    # safety beats everything: a leak that burns is a safety complaint
    assert one(text="It leaks hot water and burned my hand") == "safety"
    # a packaging phrase beats the defect word inside it
    assert one(text="One ring arrived cracked") == "packaging"
    assert one(text="The ring cracked after a week") == "quality"
    # a defect beats the words people wrap it in
    assert one(text="Leaks. Not as described.") == "quality"
    assert one(text="Too small and it leaks") == "quality"
    assert one(text="Seller didn't answer about the leaking bottle") == "quality"


def test_return_reasons_map_to_topics():
    assert one(reason="DEFECTIVE", group="quality") == "quality"
    # the code's own topic wins over its group's (DAMAGED_BY_CARRIER is in group shipping)
    assert one(reason="DAMAGED_BY_CARRIER", group="shipping") == "packaging"
    assert one(reason="NOT_AS_DESCRIBED", group="quality") == "listing"
    assert one(reason="not_compatible", group="fit") == "fit"      # codes compared upper-case
    assert one(reason="SOMETHING_NEW", group="safety") == "safety"  # unknown code: its group
    assert one(reason="UNWANTED_ITEM", group="other") == OTHER
    # precedence holds across signals: a defective return whose comment reports a burn
    assert one(text="burned my baby's mouth", reason="DEFECTIVE", group="quality") == "safety"
    assert one(text="leaks", reason="UNWANTED_ITEM", group="other") == "quality"


def test_assign_gives_exactly_one_topic_per_event_and_leaves_the_input_alone():
    events = pd.DataFrame({
        "title": ["Leaks", None, "Too hot", np.nan],
        "text": [None, "Box was crushed", "", "nothing to see"],
        "reason": [None, None, None, "DEFECTIVE"],
    }, index=[10, 11, 12, 13])
    before = events.copy()
    topics = assign(events)
    pd.testing.assert_frame_equal(events, before)
    assert topics.index.tolist() == [10, 11, 12, 13] and topics.name == "topic"
    assert topics.tolist() == ["quality", "packaging", "quality", "quality"]
    assert list(topics.cat.categories) == TOPIC_NAMES
    with pytest.raises(ValueError, match="events lack every one of the columns title, text"):
        assign(pd.DataFrame({"rating": [1.0]}))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=40), st.text(max_size=80)), min_size=1, max_size=20))
def test_any_text_gets_exactly_one_known_topic(rows):
    frame = pd.DataFrame(rows, columns=["title", "text"])
    topics = assign(frame, TAXONOMY)
    assert len(topics) == len(frame) and topics.notna().all()
    assert set(topics) <= set(TOPIC_NAMES)
    # row-wise: the topic of a row does not depend on the other rows
    reversed_topics = assign(frame.iloc[::-1], TAXONOMY)
    assert reversed_topics.loc[frame.index].tolist() == topics.tolist()


def in_duckdb(frame: pd.DataFrame) -> list[str]:
    """The store's way: the SQL expression the ingest writes each new event's topic with."""
    con = duckdb.connect()
    con.register("events", frame)
    return [r[0] for r in con.execute(f"SELECT {assign_sql()} FROM events").fetchall()]


SQL_CASES = [
    ("", "The valve LEAKS after a day", None, None), ("Hot!", "burned my hand", None, None),
    ("", "奶瓶漏水，衣服全湿了", None, None), ("Überhitzt", "das Gerät wird heiß", None, None),
    ("", "水漏れがひどい", None, None), ("", "", "DEFECTIVE", "quality"),
    ("", "", "UNKNOWN_CODE", "safety"), ("", "", " not_compatible ", None),
    ("fine", "no complaints", None, None), (None, None, None, None),
    ("Leak*", "leak-proof? it isn't", None, None), ("", "don't buy", "", "other"),
    # "the buyer wrote nothing" (the taxonomy's no_text), whitespace around it aside
    ("", "此用户未填写评价内容", None, None), ("", " \t此用户未填写评价内容\r\n", None, None),
    ("漏水", "\n您没有填写内容，默认好评 ", None, None), ("", "此用户未填写评价内容。内容很差", None, None),
    ("", "差评 此用户未填写评价内容", None, None),
]


@pytest.mark.parametrize("row", SQL_CASES)
def test_the_stores_sql_gives_the_topic_assign_gives(row):
    frame = pd.DataFrame([row], columns=["title", "text", "reason", "reason_group"])
    assert in_duckdb(frame) == assign(frame).astype(str).tolist()


def test_a_placeholder_for_no_text_names_no_topic_in_both_rules():
    """JD.com's "此用户未填写评价内容" holds 内容, a weak word of quality: as a whole text
    (spaces around it aside) it is no text, so no topic; with words beside it, it is text."""
    frame = pd.DataFrame([r for r in SQL_CASES if r[1] and "评" in r[1]],
                         columns=["title", "text", "reason", "reason_group"])
    topics = assign(frame).astype(str).tolist()
    assert topics[:2] == ["other", "other"]  # the placeholder alone
    assert topics[2] == "quality"  # the title's 漏水 still counts
    assert topics[3] != "other"  # a real complaint after the placeholder is read
    assert in_duckdb(frame) == topics == in_duckdb_as_ingested(frame)


def in_duckdb_as_ingested(frame: pd.DataFrame, ascii_rule: bool = True) -> list[str]:
    """The ingest's form: title and text joined, and their ASCII test, once per row."""
    con = duckdb.connect()
    con.register("events", frame)
    topic = assign_sql(prefix="c.", words="c._words", ascii_only="c._ascii", ascii_rule=ascii_rule)
    return [r[0] for r in con.execute(
        f"SELECT {topic} FROM (SELECT *, {ascii_words('_words')} AS _ascii FROM "
        f"(SELECT *, {joined_words()} AS _words FROM events)) c").fetchall()]


def test_keywords_of_other_scripts_are_left_out_of_the_ascii_patterns():
    """A text in ASCII alone is matched with :meth:`Topic.ascii_regex_parts`, which leave out
    the keywords it cannot hold (Chinese, Japanese, German with umlauts); every such keyword
    is still found in a title or a text, as ``assign`` finds it."""
    everything = {w for t in TAXONOMY.topics for weak in (False, True)
                  for ws in (t.weak if weak else t.keywords).values() for w in ws}
    kept = {w for t in TAXONOMY.topics for weak in (False, True) for w in t.ascii_keywords(weak)}
    assert {"烫伤", "Rückruf*", "水漏れ", "leak*"} <= everything
    assert "leak*" in kept and not {"烫伤", "Rückruf*", "水漏れ"} & kept
    # and on such a text the rule of any script skips its parts of other scripts alone
    skipped = [t.name for t in TAXONOMY.topics if any(t.parts_need_non_ascii())]
    assert {"safety", "quality"} <= set(skipped)
    assert all(w.isascii() or set(w) - set(map(chr, range(128))) <= {"\u2019"} for w in kept)
    foreign = sorted({w.rstrip("*") for w in everything - kept})
    rows = ([(w, "", None, None) for w in foreign] + [("", f"ok {w}", None, None) for w in foreign]
            + [("fine", "The valve leaks", None, None), ("", "no complaints", None, None),
               ("", "Überhitzt", None, None), ("", "don\u2019t buy, it\u2019s a fake", None, None),
               ("", "don't buy, it's a fake", None, None), ("Leaks", "", "", ""),
               ("", "\u017fhattered", None, None), ("", "sharp \u212anife", None, None)])
    frame = pd.DataFrame(rows, columns=["title", "text", "reason", "reason_group"])
    expected = assign(frame).astype(str).tolist()
    assert in_duckdb_as_ingested(frame) == expected
    assert in_duckdb(frame) == expected
    assert in_duckdb_as_ingested(frame, ascii_rule=False) == expected
    assert in_duckdb_as_ingested(frame, ascii_rule=False) == expected
    assert expected.count("other") < len(foreign)


KEYWORDS = sorted({w.rstrip("*") for t in TAXONOMY.topics
                   for ws in [*t.keywords.values(), *t.weak.values()] for w in ws})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(
    st.lists(st.sampled_from(KEYWORDS) | st.text(max_size=8), max_size=4).map(" ".join),
    st.lists(st.sampled_from(KEYWORDS) | st.text(max_size=8), max_size=6).map(" ".join),
    st.sampled_from([None, "", "DEFECTIVE", "damaged_by_carrier", "SWITCHEROO", "APPAREL_TOO_SMALL"]),
    st.sampled_from([None, "", "quality", "safety", "fit", "shipping", "other"]),
), min_size=1, max_size=15))
def test_sql_and_arrow_agree_on_any_mix_of_keywords(rows):
    frame = pd.DataFrame(rows, columns=["title", "text", "reason", "reason_group"])
    frame["title"] = frame["title"].str.upper().where(frame.index % 2 == 0, frame["title"])
    expected = assign(frame).astype(str).tolist()
    assert in_duckdb(frame) == expected
    assert in_duckdb_as_ingested(frame) == expected


ASCII_KEYWORDS = sorted({w.rstrip("*") for t in TAXONOMY.topics for weak in (False, True)
                         for w in t.ascii_keywords(weak)})
# what stands beside a keyword in ASCII text: letters, digits and _ that make it part of a
# longer word, whitespace RE2's \s holds or not (\v), apostrophes, punctuation, nothing
ASCII_GLUE = st.sampled_from(["", " ", "  ", "\n", "\t", "\x0b", "\x0c", "\r", "_", "-", "'",
                              ".", "s", "ing", "1", "X", "*"])
ASCII_BITS = st.sampled_from(ASCII_KEYWORDS) | st.text(
    st.characters(min_codepoint=0, max_codepoint=127), max_size=6)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(
    st.lists(st.tuples(ASCII_BITS, ASCII_GLUE), max_size=3),
    st.lists(st.tuples(ASCII_BITS, ASCII_GLUE), max_size=6),
    st.sampled_from([None, "", "DEFECTIVE", "damaged_by_carrier", "SWITCHEROO", "APPAREL_TOO_SMALL"]),
    st.sampled_from([None, "", "quality", "safety", "fit", "shipping", "other"]),
    st.booleans(),
), min_size=1, max_size=15))
def test_sql_and_arrow_agree_on_ascii_texts_of_keywords(rows):
    """The ASCII patterns (keywords of several topics together, \\b boundaries) on texts
    of keywords glued to each other and to what makes or breaks a word boundary; a
    text given one letter outside ASCII takes the other patterns, with the same topic."""
    table = []
    for title, text, reason, group, accented in rows:
        title = "".join(bit + glue for bit, glue in title)
        text = "".join(bit + glue for bit, glue in text)
        table.append((title.upper() if len(table) % 2 else title,
                      text + (" café" if accented else ""), reason, group))
    frame = pd.DataFrame(table, columns=["title", "text", "reason", "reason_group"])
    expected = assign(frame).astype(str).tolist()
    assert in_duckdb_as_ingested(frame) == expected
    assert in_duckdb(frame) == expected
    assert in_duckdb_as_ingested(frame, ascii_rule=False) == expected


# -- shares and drivers ---------------------------------------------------------------------------

def tagged(rows: list[tuple[str, str, bool]]) -> pd.DataFrame:
    """(local_date, topic, is_negative) rows."""
    frame = pd.DataFrame(rows, columns=["local_date", "topic", "is_negative"])
    frame["local_date"] = pd.to_datetime(frame["local_date"])
    return frame


def test_daily_shares_sum_to_one_on_days_with_negatives():
    events = tagged([
        ("2022-05-01", "quality", True), ("2022-05-01", "quality", True),
        ("2022-05-01", "shipping", True), ("2022-05-01", "safety", False),
        ("2022-05-02", "quality", False),  # a day without negatives
        ("2022-05-03", "safety", True),
    ])
    shares = daily_shares(events)
    wide = shares.pivot(index="local_date", columns="topic", values="share")
    assert sorted(shares["topic"].unique()) == ["quality", "safety", "shipping"]
    assert wide.loc["2022-05-01"].to_dict() == pytest.approx(
        {"quality": 2 / 3, "safety": 0.0, "shipping": 1 / 3})
    assert wide.loc["2022-05-02"].isna().all()
    assert wide.loc["2022-05-03", "safety"] == 1.0
    assert wide.sum(axis=1, min_count=1).dropna().tolist() == pytest.approx([1.0, 1.0])
    assert shares["negative"].sum() == 4


def test_drivers_on_a_hand_made_case():
    onset = pd.Timestamp("2022-05-15")
    before = [("2022-04-20", "quality", True), ("2022-05-10", "quality", True),
              ("2022-04-18", "shipping", True), ("2022-05-14", "shipping", True),
              ("2022-04-16", "fit", True)]                      # 04-16: 29 days before, outside
    crisis = [(f"2022-05-{15 + i % 14}", "quality", True) for i in range(10)]
    crisis += [("2022-05-20", "shipping", True), ("2022-05-28", "safety", True),
               ("2022-05-29", "safety", True),                  # 05-29: day 15, outside
               ("2022-05-16", "quality", False)]                # not negative
    table = drivers(tagged(before + crisis), onset)
    # before (04-17..05-14): quality 2, shipping 2 -> 0.5 each
    # crisis (05-15..05-28): quality 10, shipping 1, safety 1 -> 10/12, 1/12, 1/12
    # lift: quality (10/12)/0.5 = 5/3; shipping (1/12)/0.5 = 1/6; safety: absent before, NaN
    # excess: quality 10 - 2 * 14/28 = 9; safety 1 - 0 = 1; shipping 1 - 1 = 0
    assert table["topic"].tolist() == ["quality", "safety", "shipping"]
    assert table["crisis_negative"].tolist() == [10, 1, 1]
    assert table["before_negative"].tolist() == [2, 0, 2]
    assert table["crisis_share"].tolist() == pytest.approx([10 / 12, 1 / 12, 1 / 12])
    assert table["before_share"].tolist() == pytest.approx([0.5, 0.0, 0.5])
    assert table["lift"].iloc[[0, 2]].tolist() == pytest.approx([5 / 3, 1 / 6])
    assert np.isnan(table["lift"].iloc[1])
    assert table["excess"].tolist() == pytest.approx([9.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="crisis_days must be a positive integer, got 0"):
        drivers(tagged(before), onset, crisis_days=0)
    with pytest.raises(ValueError, match="lack the column.s. topic"):
        drivers(tagged(before).drop(columns="topic"), onset)


# -- representatives ------------------------------------------------------------------------------

def complaints() -> pd.DataFrame:
    rows = [
        # event_id, occurred_at, topic, helpful, title, text
        ("e1", "2022-05-03 10:00", "quality", 2, "Leaks", "The valve leaks."),
        ("e2", "2022-05-02 10:00", "quality", 2, "Leaks", "The   valve LEAKS."),   # same words
        ("e3", "2022-05-04 10:00", "quality", 9, "Worst", "<script>alert(1)</script> leaks"),
        ("e4", "2022-05-02 10:00", "quality", 0, "Drips", "Drips from the bottom"),
        ("e0", "2022-05-02 10:00", "quality", 0, "Soaked", "Soaked clothes"),
        ("e5", "2022-05-05 10:00", "quality", 0, "Fine", "Cracked"),
        ("e6", "2022-05-05 10:00", "safety", 1, "Hot", "Too hot"),
        ("e7", "2022-05-05 11:00", "safety", 1, None, None),                    # no words
        ("e8", "2022-05-01 09:00", "shipping", 0, None, "Late"),
    ]
    frame = pd.DataFrame(rows, columns=["event_id", "occurred_at", "topic", "helpful_votes",
                                        "title", "text"])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    frame["local_date"] = frame["occurred_at"].dt.normalize()
    frame["is_negative"] = True
    frame["source"] = "review"
    frame["rating"] = 1.0
    return frame


def test_representatives_are_the_most_helpful_then_earliest_then_by_id():
    table = representatives(complaints(), n=3)
    # quality (6 events) first, then safety (2), then shipping (1)
    # quality: e3 (9 votes); e1/e2 say the same -> the earlier, e2; then e0 and e4 tie on
    # votes and time -> e0 by id.
    assert table[["topic", "rank", "event_id"]].values.tolist() == [
        ["quality", 1, "e3"], ["quality", 2, "e2"], ["quality", 3, "e0"],
        ["safety", 1, "e6"], ["shipping", 1, "e8"],
    ]
    # customer text kept verbatim
    assert table.loc[0, "text"] == "<script>alert(1)</script> leaks"
    assert table.loc[1, "text"] == "The   valve LEAKS."


def test_representatives_are_deterministic_and_follow_the_topics_asked():
    frame = complaints()
    first = representatives(frame, n=2, topics=["safety", "quality"])
    again = representatives(frame.sample(frac=1, random_state=7), n=2, topics=["safety", "quality"])
    pd.testing.assert_frame_equal(first, again)
    assert first["event_id"].tolist() == ["e6", "e3", "e2"]
    # without votes, sources or ratings: the earliest, then by id
    bare = frame.drop(columns=["helpful_votes", "source", "rating"])
    assert representatives(bare, n=2, topics=["quality"])["event_id"].tolist() == ["e0", "e2"]
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        representatives(frame, n=0)


# -- the taxonomy file ----------------------------------------------------------------------------

def test_users_extend_the_taxonomy(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "topics:\n"
        "  - name: quality\n"
        "    keywords: {en: [wobbl*]}\n"
        "  - name: odour\n"
        "    label: {en: Odour, zh: 气味}\n"
        "    keywords: {en: [whiff*], zh: [腥]}\n"
        "    weak: {en: [fishy]}\n",
        encoding="utf-8",
    )
    taxonomy = load_taxonomy(path)
    assert taxonomy.names == [*TOPIC_NAMES[:-1], "odour", OTHER]
    assert taxonomy.label("odour", "zh") == "气味"
    frame = pd.DataFrame({"text": ["the table wobbles", "a whiff of fish", "有点腥", "it leaks",
                                   "fishy", "fishy and it leaks"]})
    assert assign(frame, taxonomy).tolist() == ["quality", "odour", "odour", "quality", "odour",
                                                "quality"]
    path.write_text("precedence: [odour]\ntopics:\n  - name: odour\n    keywords: {en: [stink*]}\n",
                    encoding="utf-8")
    only = load_taxonomy(path, extend=False)
    assert only.names == ["odour", OTHER]


def test_a_bad_taxonomy_file_is_named_with_the_fix(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("topics:\n  - name: quality\n    keyword: {en: [x]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topic 'quality' has unknown key\(s\) keyword.*Where: .*bad.yaml"):
        load_taxonomy(path)
    path.write_text("topics:\n  - name: odour\nprecedence: [odour]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="precedence must list every topic exactly once"):
        load_taxonomy(path)


# -- the sample incident --------------------------------------------------------------------------

def test_on_the_sample_the_leak_defect_drives_the_crisis(sample_incident):
    with open_store(sample_incident.store_path, read_only=True) as store:
        events = store.events()
    events = events.assign(topic=assign(events))
    table = drivers(events, "2022-05-02")
    top = table.iloc[0]
    assert top["topic"] == "quality"
    assert top["crisis_share"] > 0.9 and top["excess"] > 250
    crisis = events.loc[(events["local_date"] >= "2022-05-02") & (events["local_date"] < "2022-05-16")]
    quoted = representatives(crisis, n=3, topics=["quality"])
    assert len(quoted) == 3
    assert all("leak" in f"{t} {x}".lower() for t, x in zip(quoted["title"], quoted["text"], strict=True))
    shares = daily_shares(events)
    per_day = shares.groupby("local_date")["share"].sum(min_count=1).dropna()
    assert per_day.to_numpy() == pytest.approx(1.0)


def test_the_fingerprint_and_the_sql_do_not_depend_on_the_process():
    """Keywords differing only in case ("App", "app") once sorted by set order, which
    Python's hash seed changes from one process to the next: every analysis then took
    the store's topics for stale and matched every text again."""
    import os
    import subprocess
    import sys

    code = ("from crisis_kit.analysis import topics; import hashlib; "
            "print(topics.fingerprint(), hashlib.sha256(topics.assign_sql().encode()).hexdigest())")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3", "4")}
    assert len(seen) == 1, seen


def test_untitled_rows_are_assigned_as_with_a_title_pass():
    """Without any title the title pass is skipped: the topics are those it would give."""
    texts = ["the valve leaked everywhere", "arrived broken", "smells of plastic",
             "great bottle", "cracked after a week", "leak"]
    untitled = assign(pd.DataFrame({"title": "", "text": texts}))
    # one row with a title that names nothing makes the title pass run over every row
    titled = assign(pd.DataFrame({"title": [""] * len(texts) + ["zzz"], "text": texts + [""]}))
    assert untitled.astype(str).tolist() == titled.astype(str).tolist()[:len(texts)]
    assert set(untitled.astype(str)) - {"other"}  # some of them name a topic
