"""The store's topic rule (``assign_sql``, as the ingest runs it) against ``assign`` on every
real review of ../shared/data/real: English and Chinese, every row, not only negatives.

``assign_sql`` tries a text in ASCII alone with other patterns than ``assign`` (the
keywords of several topics together, ``\\b`` boundaries) and every other text with the
same patterns; both must give each review the same topic. The files are read in place.
"""

from __future__ import annotations

import os

import duckdb
import pandas as pd
import pytest

from crisis_kit.analysis.tagging import ascii_words, assign_sql, joined_words
from crisis_kit.analysis.topics import assign

from . import test_real_data as real_files
from .conftest import REAL

if not REAL.is_dir() and not os.environ.get("CI"):
    pytest.skip(f"the real data folder {REAL} is absent (it lives beside the checkout, in "
                "../shared/data/real, or set CRISIS_KIT_REAL_DATA)", allow_module_level=True)


def _frame(title: pd.Series | str, text: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"title": title, "text": text})
    return frame.assign(reason=None, reason_group=None).reset_index(drop=True)


def corpora() -> dict[str, pd.DataFrame]:
    """Every review of each real file as (title, text), by file name."""
    d, i, f = real_files.datafiniti(), real_files.iphone(), real_files.fashion()
    return {
        real_files.DATAFINITI: _frame(d["reviews.title"], d["reviews.text"]),
        real_files.IPHONE: _frame(i["review_title"], i["review_text"]),
        real_files.FASHION: _frame(f["summary"].fillna(""), f["reviewText"].fillna("")),
        real_files.ALEXA: _frame("", real_files.alexa()["verified_reviews"]),
        real_files.BABY: _frame("", real_files.baby()["review"]),
        real_files.SHOPPING: _frame("", real_files.shopping()["review"]),
        real_files.JD: _frame("", real_files.jd()["评论内容"]),
    }


def as_ingested(frame: pd.DataFrame) -> list[str]:
    """The ingest's form of the rule: title and text joined, and their ASCII test, once a row."""
    con = duckdb.connect()
    con.register("events", frame.assign(_row=range(len(frame))))
    topic = assign_sql(prefix="c.", words="c._words", ascii_only="c._ascii")
    return [r[0] for r in con.execute(
        f"SELECT {topic} FROM (SELECT *, {ascii_words('_words')} AS _ascii FROM "
        f"(SELECT *, {joined_words()} AS _words FROM events)) c ORDER BY c._row"
    ).fetchall()]


@pytest.mark.parametrize("name", [real_files.DATAFINITI, real_files.IPHONE, real_files.FASHION,
                                  real_files.ALEXA, real_files.BABY, real_files.SHOPPING,
                                  real_files.JD])
def test_the_stores_rule_gives_every_real_review_the_topic_assign_gives(name):
    frame = corpora()[name]
    expected = assign(frame).astype(str)
    got = pd.Series(as_ingested(frame), index=frame.index)
    differ = got != expected
    assert not differ.any(), frame[differ].assign(got=got[differ], expected=expected[differ]).head()
    plain = (frame["title"] + "\n" + frame["text"]).map(str.isascii)
    assert len(frame) > 400 and expected.nunique() >= 4
    if name in (real_files.SHOPPING, real_files.JD):  # Chinese: the rule of any script
        assert plain.mean() < 0.01
    else:  # English: most reviews on the ASCII rule (89-100%), the rest (’, é, emoji) not
        assert plain.mean() > 0.85
