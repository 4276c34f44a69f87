"""Dated commitments of a statement, their deadlines in hours, and whether they were kept.

A dated commitment is a sentence that promises something (will, shall, promise,
guarantee, 将, 会, 承诺, 保证, ...) by a deadline: a duration
("within 72 hours", "in 3 business days", "72小时内", "3个工作日内") or a date ("by May
10", "no later than 2022-05-10", "5月10日前", "将于5月16日"). Every deadline becomes
hours from the statement's publication time (``docs/statements.md`` gives the rules).
:func:`check_commitments` then looks in the actions log for the action that fulfilled
each one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import pandas as pd

from ..analysis.volume import count
from .lexicon import Lexicon, term_pattern
from .review import Commitment, StatementReview
from .sentences import Layout, Sentence, display

__all__ = ["Commitment", "find_commitments", "check_commitments"]

_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
          "fourteen": 14, "fifteen": 15, "twenty": 20, "twenty-four": 24, "thirty": 30,
          "forty-eight": 48, "seventy-two": 72}
_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(sorted(_WORDS, key=len, reverse=True))
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_UNIT_HOURS = {"minute": 1 / 60, "min": 1 / 60, "hour": 1, "hr": 1, "h": 1, "day": 24,
               "week": 168, "month": 720,
               "分钟": 1 / 60, "小时": 1, "钟头": 1, "天": 24, "日": 24, "周": 168, "星期": 168,
               "礼拜": 168, "月": 720}

_EN_DURATION = re.compile(
    rf"\b(?:within|in|(?:with)?in\s+the\s+next|over\s+the\s+next|no\s+later\s+than)\s+"
    rf"(?P<n>{_NUMBER})(?:\s*(?:-|–|to|or)\s*(?P<n2>{_NUMBER}))?\s*"
    r"(?P<unit>business\s+days?|working\s+days?|hours?|hrs?|h|days?|weeks?|months?|minutes?|mins?)\b",
    re.IGNORECASE)
_EN_DATE = re.compile(
    r"\b(?P<prep>by|before|no\s+later\s+than|not\s+later\s+than|on\s+or\s+before|on)\s+"
    r"(?:(?:the\s+)?end\s+of\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    rf"(?:(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|(?:the\s+)?(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_MONTH})"
    r"(?:,?\s+(?P<year2>\d{4}))?"
    r"|(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.IGNORECASE)
_ZH_NUMBER = r"\d+|[零〇一二两三四五六七八九十百]+"
_ZH_DURATION = re.compile(
    rf"(?P<n>{_ZH_NUMBER})\s*(?:至|到|-|–|~)?\s*(?P<n2>{_ZH_NUMBER})?\s*个?\s*"
    r"(?P<unit>工作日|小时|钟头|分钟|天|日|周|星期|礼拜|月)\s*(?:之内|以内|内)")
_ZH_DATE = r"(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]"
_ZH_BY_DATE = re.compile(rf"(?:(?:最迟|最晚|不晚于)\s*(?:于|在)?\s*)?{_ZH_DATE}\s*(?:之前|以前|前)")
_ZH_ON_DATE = re.compile(rf"(?:将|会|最迟|最晚|不晚于)\s*(?:于|在)?\s*{_ZH_DATE}")
_FUTURE = re.compile(r"\b(?:will|shall|are\s+going\s+to)\b|['’]ll\b", re.IGNORECASE)
# A deadline in a report of the past ("complaints passed 300 within two weeks") is no
# promise: a commitment's sentence says it will be done, or promises it.
_PROMISE = re.compile(
    r"\b(?:will|shall|going\s+to|commit(?:s|ted)?|promis\w*|guarantee\w*|pledge\w*|plan\s+to|"
    r"aim\s+to|must|no\s+later\s+than|not\s+later\s+than)\b|['’]ll\b|"
    r"将|会|承诺|保证|确保|必须|计划|最迟|最晚|不晚于", re.IGNORECASE)
_CLAUSE_END = re.compile(r",\s|;|:\s|，|；|：|\s(?:and|but|while|so)\s|并且?|同时|[.。!?！？]\s*$",
                         re.IGNORECASE)


def _number(value: str | None) -> float | None:
    if not value:
        return None
    if value.lower() in _WORDS:
        return float(_WORDS[value.lower()])
    if re.fullmatch(r"[零〇一二两三四五六七八九十百]+", value):
        digits = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                  "七": 7, "八": 8, "九": 9}
        total, current = 0, 0
        for char in value:
            if char in digits:
                current = digits[char]
            else:  # 十 or 百
                total += (current or 1) * (10 if char == "十" else 100)
                current = 0
        return float(total + current)
    return float(value)


def _add_business_days(start: dt.datetime, days: int) -> dt.datetime:
    moment = start
    while days > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _duration(match: re.Match[str], published: dt.datetime | None) -> tuple[float | None, bool]:
    amount = _number(match.group("n2")) or _number(match.group("n"))
    unit = re.sub(r"\s+", " ", match.group("unit").lower())
    if "business" in unit or "working" in unit or unit == "工作日":
        if published is None or amount is None:
            return None, True
        later = _add_business_days(published, int(amount))
        return (later - published).total_seconds() / 3600, True
    key = unit.rstrip("s") if unit not in ("hrs", "mins") else unit[:-1]
    return (None if amount is None else amount * _UNIT_HOURS[key]), True


def _date(year: str | None, month: int, day: int, published: dt.datetime | None) -> float | None:
    if published is None:
        return None
    try:
        when = dt.date(int(year) if year else published.year, month, day)
    except ValueError:
        return None
    if not year and when < published.date():
        when = when.replace(year=when.year + 1)
    # "by May 16" holds until the end of that day, in the statement's own zone.
    end = dt.datetime.combine(when + dt.timedelta(days=1), dt.time(0), tzinfo=published.tzinfo)
    return (end - published).total_seconds() / 3600


def _month(name: str) -> int:
    return next(i for i, m in enumerate(_MONTHS, start=1) if m.startswith(name.lower().rstrip(".")[:3]))


def _en_date(match: re.Match[str], published: dt.datetime | None) -> tuple[float | None, bool]:
    g = match.groupdict()
    if g["iso"]:
        year, month, day = g["iso"].split("-")
        return _date(year, int(month), int(day), published), False
    if g["weekday"]:
        if published is None:
            return None, False
        ahead = (_WEEKDAYS.index(g["weekday"].lower()) - published.weekday()) % 7
        when = published.date() + dt.timedelta(days=ahead)
        return _date(str(when.year), when.month, when.day, published), False
    month = _month(g["month"] or g["month2"])
    return _date(g["year"] or g["year2"], month, int(g["day"] or g["day2"]), published), False


def _zh_date(match: re.Match[str], published: dt.datetime | None) -> tuple[float | None, bool]:
    return _date(match.group("year"), int(match.group("month")), int(match.group("day")), published), False


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[..., tuple[float | None, bool]]], ...] = (
    (_EN_DURATION, _duration), (_EN_DATE, _en_date), (_ZH_DURATION, _duration),
    (_ZH_BY_DATE, _zh_date), (_ZH_ON_DATE, _zh_date),
)


def _deadlines(sentence: str) -> list[tuple[re.Match[str], Callable[..., tuple[float | None, bool]]]]:
    """Deadline phrases of a promising sentence, left to right; overlaps keep the longest."""
    hits = []
    if not _PROMISE.search(sentence):
        return hits
    for pattern, parse in _PATTERNS:
        for match in pattern.finditer(sentence):
            prep = match.groupdict().get("prep")
            if prep and prep.lower() == "on" and not _FUTURE.search(sentence[:match.start()]):
                continue  # "On May 3 we stopped sales" reports; "we will ... on May 16" promises
            hits.append((match, parse))
    hits.sort(key=lambda hit: (hit[0].start() - hit[0].end(), hit[0].start()))
    kept: list[tuple[re.Match[str], Callable[..., tuple[float | None, bool]]]] = []
    for hit in hits:
        if all(hit[0].end() <= m.start() or hit[0].start() >= m.end() for m, _ in kept):
            kept.append(hit)
    return sorted(kept, key=lambda hit: hit[0].start())


def _kind(segment: str, phrase: tuple[int, int], lexicon: Lexicon) -> str | None:
    """The kind whose word stands nearest the deadline phrase in the commitment."""
    best: tuple[int, str] | None = None
    for kind in lexicon.kinds:
        for word in kind.words:
            for m in term_pattern(word).finditer(segment):
                distance = max(0, phrase[0] - m.end(), m.start() - phrase[1])
                if best is None or distance < best[0]:
                    best = (distance, kind.name)
    return None if best is None else best[1]


def find_commitments(layout: Layout, lexicon: Lexicon,
                     published_at: dt.datetime | None = None) -> tuple[Commitment, ...]:
    """Every dated commitment of a statement, with its deadline in hours from publication.

    Parameters
    ----------
    layout : Layout
        The statement's sentences (:func:`crisis_kit.statements.sentences.layout`).
    lexicon : Lexicon
        For the kinds of commitment.
    published_at : datetime, optional
        Publication time; default: the statement's own publication line.

    Returns
    -------
    tuple of Commitment
        In the order of the text, unchecked (``kept`` None).
    """
    published = published_at or layout.published_at
    out: list[Commitment] = []
    for sentence in layout.sentences:
        out.extend(_in_sentence(layout, sentence, lexicon, published))
    return tuple(out)


def _in_sentence(layout: Layout, sentence: Sentence, lexicon: Lexicon,
                 published: dt.datetime | None) -> list[Commitment]:
    raw = layout.text[sentence.start:sentence.end]
    out = []
    clause_start = 0
    for match, parse in _deadlines(raw):
        boundary = _CLAUSE_END.search(raw, match.end())
        clause_end = boundary.start() if boundary else len(raw)
        hours, relative = parse(match, published)
        deadline_at = None if hours is None or published is None else (
            published + dt.timedelta(hours=hours))
        segment = raw[clause_start:clause_end]
        kind = _kind(segment, (match.start() - clause_start, match.end() - clause_start), lexicon)
        start = sentence.start + match.start()
        line, column = layout.line_column(start)
        out.append(Commitment(
            text=display(raw[:clause_end] if not out else segment).strip(" ,;，；"),
            phrase=display(match.group(0)), start=start, end=sentence.start + match.end(),
            line=line, column=column, kind=kind, deadline_hours=hours, deadline_at=deadline_at,
            relative=relative))
        clause_start = boundary.end() if boundary else len(raw)
    return out


def _matches(text: str, words: Sequence[str]) -> bool:
    return any(term_pattern(word).search(text) for word in words)


def _actions_of(actions: pd.DataFrame | None, words: Sequence[str],
                published: pd.Timestamp) -> pd.DataFrame:
    """The actions at or after publication whose text or channel holds one of ``words``."""
    if actions is None or actions.empty or not {"at", "action"} <= set(actions.columns):
        return pd.DataFrame(columns=["at", "action"])
    after = actions[actions["at"] >= published]
    channel = after["channel"] if "channel" in after else pd.Series("", index=after.index)
    said = after["action"].fillna("").astype(str) + " " + channel.fillna("").astype(str)
    return after[said.map(lambda text: _matches(text, words)).astype(bool)]


def _aware(moment: dt.datetime, timezone: str) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize(ZoneInfo(timezone)) if stamp.tzinfo is None else stamp


def _refund_returns(events: pd.DataFrame | None) -> int:
    if events is None or events.empty or "source" not in events:
        return 0
    returns = events[events["source"].isin(["fba_return", "mfn_return", "claim"])]
    said = returns.get("disposition", pd.Series(dtype=object)).fillna("").astype(str) + " " + \
        returns.get("status", pd.Series(dtype=object)).fillna("").astype(str)
    return count(returns, said.str.contains("refund|reimburs", case=False))


def _check(commitment: Commitment, published: pd.Timestamp, actions: pd.DataFrame,
           events: pd.DataFrame | None, lexicon: Lexicon, until: pd.Timestamp | None) -> Commitment:
    kind = lexicon.kind(commitment.kind) if commitment.kind else None
    if commitment.deadline_hours is None:
        return dataclasses.replace(commitment, evidence=(
            "cannot be checked: the deadline cannot be placed in time; give the statement a "
            "publication line ('Published: 2022-05-02T15:45:00-07:00') and a year in its dates"))
    if kind is None:
        return dataclasses.replace(commitment, evidence=(
            "cannot be checked: no known action is named (refund, replacement, restock, reply, "
            "publish, ...); compare it with the actions log by hand"))
    deadline = published + pd.Timedelta(hours=commitment.deadline_hours)
    done = _actions_of(actions, kind.words, published)
    if len(done):
        first = done.sort_values("at", kind="mergesort").iloc[0]
        at = first["at"].tz_convert(published.tz)
        hours = (at - published).total_seconds() / 3600
        kept = bool(at <= deadline)
        verdict = "kept" if kept else "broken"
        return dataclasses.replace(
            commitment, kept=kept, evidence_action=str(first["action"]),
            evidence_at=at.to_pydatetime(), evidence_hours=round(hours, 3),
            evidence=(f"{verdict}: '{first['action']}' at {at.isoformat()}, {hours:g} h after "
                      f"publication (deadline {commitment.deadline_hours:g} h)"))
    if until is not None and until < deadline:
        return dataclasses.replace(commitment, evidence=(
            f"not due yet: the deadline is {deadline.isoformat()} and the evidence ends "
            f"{until.isoformat()}"))
    refunds = _refund_returns(events) if kind.name == "refund" else 0
    seen = (f"{refunds} returns in the exports show a refund but carry no refund date; "
            if refunds else "")
    return dataclasses.replace(commitment, evidence=(
        f"cannot be checked: {seen}no {kind.name} action in the actions log after publication; "
        f"it would be checked by {kind.check_with.get('en', 'an action in the actions log')}"))


def check_commitments(review: StatementReview, actions: pd.DataFrame,
                      events: pd.DataFrame | None = None, *, lexicon: Lexicon | None = None,
                      as_of: dt.date | None = None, timezone: str = "UTC") -> StatementReview:
    """Fill each commitment's ``kept`` with the evidence of the actions log.

    Parameters
    ----------
    review : StatementReview
        From :func:`crisis_kit.statements.lint`.
    actions : pandas.DataFrame
        The ``actions`` table (``at`` tz-aware, ``action``, ``channel``).
    events : pandas.DataFrame, optional
        The ``events`` table: returns whose status or disposition shows a refund are
        reported where no refund action is logged.
    lexicon : Lexicon, optional
        Default: the bundled one.
    as_of : datetime.date, optional
        The evidence ends with this day: a deadline after it with no action yet is
        "not due yet".
    timezone : str
        The zone of a publication time written without an offset, and of ``as_of``.

    Returns
    -------
    StatementReview
        A copy whose commitments carry ``kept`` (True, False or None) and ``evidence``.

    Notes
    -----
    A commitment is kept when the first action at or after publication whose text (or
    channel) holds a word of the commitment's kind (``crisis_kit/data/star_parts.yaml``)
    happened at or before the deadline, and broken when it happened after. With no such
    action it is None: the log may simply not record it, and ``evidence`` says which
    data would check it.
    """
    from .lexicon import load_lexicon

    lexicon = lexicon or load_lexicon()
    if review.published_at is None:
        return dataclasses.replace(review, commitments=tuple(
            dataclasses.replace(c, evidence=(
                "cannot be checked: the statement has no publication time; add a first line "
                "'Published: 2022-05-02T15:45:00-07:00'")) for c in review.commitments))
    published = _aware(review.published_at, timezone)
    until = None if as_of is None else pd.Timestamp(
        dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0)), tz=ZoneInfo(timezone))
    checked = tuple(_check(c, published, actions, events, lexicon, until) for c in review.commitments)
    return dataclasses.replace(review, commitments=checked)
