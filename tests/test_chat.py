"""Chat messages of ``crisis-kit monitor``: words for people, each platform's shape, signing, repeats.

Platform shapes are held to each platform's documentation (cited at each test):

- Feishu custom bot: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
  (``msg_type: interactive`` with a ``card``; "signature verification": timestamp in
  seconds, ``timestamp + "\\n" + secret`` as the HMAC-SHA256 key over an empty message,
  base64, sent as ``timestamp`` and ``sign`` in the body).
- DingTalk custom robot: https://open.dingtalk.com/document/robots/custom-robot-access and
  https://open.dingtalk.com/document/development/robot-message-type (``msgtype:
  markdown`` with ``title`` and ``text``; ``at.atMobiles``, each mobile also written
  ``@<mobile>`` in the text); signing: https://open.dingtalk.com/document/robots/customize-robot-security-settings
  (timestamp in ms; HMAC-SHA256 keyed with the secret over ``timestamp + "\\n" + secret``,
  base64, URL-encoded, added to the address as ``timestamp`` and ``sign``).
- WeCom group robot: https://developer.work.weixin.qq.com/document/path/91770
  (``msgtype: markdown``, ``markdown.content`` at most 4096 bytes UTF-8; ``text`` with
  ``mentioned_mobile_list``).
- Slack incoming webhooks: https://api.slack.com/messaging/webhooks (``text`` is the
  notification fallback when ``blocks`` are given); Block Kit blocks:
  https://api.slack.com/reference/block-kit/blocks (``header`` takes ``plain_text`` up to
  150 characters, ``section`` ``mrkdwn`` up to 3000, ``context`` elements); escaping:
  https://api.slack.com/reference/surfaces/formatting#escaping (``&``, ``<``, ``>``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import shutil
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
import yaml

from crisis_kit.cli import main
from crisis_kit.config import load_incident
from crisis_kit.errors import ConfigError, CrisisKitError
from crisis_kit.monitor import STATE_FILE, check, compose, decide, post_webhook, webhook_payload
from crisis_kit.monitor.notice import ChatMessage, Step, scrub_quote
from crisis_kit.monitor.notify import Sent
from crisis_kit.monitor.payloads import WECOM_MARKDOWN_BYTES, payload

from .conftest import HOOK_TOKEN

SECRET = "SECsigning0123456789secret"
FIXED_NOW = 1_651_500_000.25  # 2022-05-02 14:00:00.25 UTC: the signing clock of these tests
ALERT_DAYS = [dt.date(2022, 5, 2) + dt.timedelta(days=i) for i in range(10)]  # the sample's alert
CLEAR_DAY = dt.date(2022, 5, 12)
XSS = "<script>alert(1)</script> *bold* [x](http://e.vil) @13800000000 <!channel> <at user_id=\"all\">"


@pytest.fixture(autouse=True)
def _no_webhook_from_the_environment(monkeypatch):
    monkeypatch.delenv("CRISIS_KIT_WEBHOOK", raising=False)
    monkeypatch.delenv("CRISIS_KIT_WEBHOOK_SECRET", raising=False)


def _incident(sample_incident, tmp_path, **keys) -> Path:
    """A private copy of the ingested sample with extra incident.yaml keys."""
    root = tmp_path / "incident"
    shutil.copytree(sample_incident.root, root, ignore=shutil.ignore_patterns(STATE_FILE))
    path = root / "incident.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.update(keys)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


OWNERS = {"cs": {"name": "王芳", "mobile": "13800000001"}, "pr": {"name": "李雷"},
          "tech": {"name": "张伟", "mobile": "13800000003"}}


@pytest.fixture(scope="module")
def alert_state(sample_incident):
    return check(sample_incident, "2022-05-02")


# -- the words --------------------------------------------------------------------------


def test_chinese_message_says_what_happened_what_to_do_and_where_the_report_is(
        sample_incident, alert_state):
    incident = sample_incident.model_copy(update={
        "language": "zh", "playbook": "product-defect",
        "report_url": "https://wiki.example.com/crisis/bottle-valve-2022.html",
        "notifications": sample_incident.notifications.model_copy(update={
            "owners": load_incident_owners()})})
    message = compose(alert_state, incident, "start")
    text = message.text()
    # n(2022-05-02) = 12 and the 7-day mean 0.714 before it (test_monitor holds these by hand)
    assert message.what[0] == "今天（2022年5月2日）负面投诉 12 条，平时每天约 0.7 条。"
    assert message.what[1] == "预警开始于 2022年5月2日 11:14（PDT）。"
    assert message.topic == "主要问题：质量与缺陷（预警以来 12 条负面中占 11 条）。"
    assert message.quote == "milk leaks everywhere"
    assert [s.text for s in message.steps] == [
        "客服：开启缺陷工单队列并暂停自动回复（1 小时内；王芳）",
        "公关：起草临时声明（2 小时内；李雷）",
        "技术：启动根本原因调查：拆解退货产品（3 小时内；张伟）",
        "亚马逊平台：检查listing和账户健康是否有新警告（2 小时内；未指定负责人）",
    ]
    assert message.mobiles == ("13800000001", "13800000003")
    assert message.report == "报告：https://wiki.example.com/crisis/bottle-valve-2022.html"
    # the latest complaint of the day came at 18:24, after the window closed at 15:14
    assert message.window == "黄金窗口已于 2022年5月2日 15:14 结束。"
    if alert_state.as_json().get("alert_kind") is None:  # the kind line only when it is known
        assert message.kind is None and "类型" not in text
    else:
        assert message.kind in ("负面随评价总量一起增加，负面占比没有上升", "负面占比上升，不只是数量增加")
    assert "crisis-kit" in message.title  # the bots' keyword
    assert "threshold" not in text and "Poisson" not in text
    assert message.as_json()["negative"] == 12  # the numbers stay in the JSON part


def load_incident_owners():
    from crisis_kit.config import LaneOwner

    return {lane: LaneOwner(**owner) for lane, owner in OWNERS.items()}


class _WithKind:
    """A verdict that carries ``alert_kind`` (as the detection's share test adds it)."""

    def __init__(self, state, kind):
        self._state, self.alert_kind = state, kind

    def __getattr__(self, name):
        return getattr(self._state, name)

    def as_json(self):
        return {**self._state.as_json(), "alert_kind": self.alert_kind}


@pytest.mark.parametrize(("lang", "kind", "words"), [
    ("en", "volume-driven", "Kind: negatives rose with review volume; the share of negatives did not rise"),
    ("en", "share-driven", "Kind: the share of negatives rose, not only their number"),
    ("zh", "volume-driven", "类型： 负面随评价总量一起增加，负面占比没有上升"),
    ("zh", "share-driven", "类型： 负面占比上升，不只是数量增加"),
])
def test_alert_kind_in_plain_words_when_the_state_carries_it(sample_incident, alert_state, lang,
                                                             kind, words):
    incident = sample_incident.model_copy(update={"language": lang})
    assert words in compose(_WithKind(alert_state, kind), incident, "start").text().splitlines()
    assert compose(_WithKind(alert_state, None), incident, "start").kind is None


def test_golden_window_left_is_counted_to_the_latest_complaint(sample_incident, alert_state):
    latest = alert_state.alert_at + dt.timedelta(hours=1, minutes=30)
    state = replace(alert_state, context=replace(alert_state.context, latest_event_at=latest))
    message = compose(state, sample_incident, "start")
    assert message.window == ("Golden window: 2 h 30 min left, until 2022-05-02 15:14 "
                              "(counted to the latest complaint, 2022-05-02 12:44).")


def test_without_playbook_or_report_url_the_message_says_how_to_get_the_report(
        sample_incident, alert_state):
    message = compose(alert_state, sample_incident, "start")
    assert message.steps == () and message.steps_title is None
    assert message.report.startswith("Report: not written yet (crisis-kit report ")
    local = sample_incident.model_copy(update={"report_url": "reports/latest.html"})
    assert compose(alert_state, local, "start").report == (
        f"Report: {sample_incident.root / 'reports' / 'latest.html'}")


def test_unknown_lane_owner_is_a_config_error(sample_incident, alert_state):
    from crisis_kit.config import LaneOwner

    incident = sample_incident.model_copy(update={
        "playbook": "product-defect",
        "notifications": sample_incident.notifications.model_copy(update={
            "owners": {"legal": LaneOwner(name="X")}})})
    with pytest.raises(ConfigError, match="unknown lane.*legal"):
        compose(alert_state, incident, "start")


def test_incident_yaml_keys_are_checked(tmp_path, sample_incident):
    path = _incident(sample_incident, tmp_path, notifications={"digest": "hourly"})
    with pytest.raises(ConfigError, match="notifications.digest"):
        load_incident(path)
    path.write_text(path.read_text().replace("digest: hourly", "digets: off"))
    with pytest.raises(ConfigError, match="did you mean 'digest'"):
        load_incident(path)


def test_quote_is_scrubbed_of_buyer_data(sample_incident):
    from crisis_kit.language import load_strings

    words = "Leaks! mail jo.buyer@example.com, order 114-2962899-5762619, call +1 555 123 4567"
    strings = load_strings("en")
    assert scrub_quote(words, strings, limit=200) == (
        "Leaks! mail [e-mail removed], order [order no. removed], call [number removed]")
    cut = scrub_quote("Leaks " + "x" * 100, strings)
    assert len(cut) == 81 and cut.endswith("…")  # 80 characters and the ellipsis


# -- the shapes -------------------------------------------------------------------------


def _nasty() -> ChatMessage:
    return ChatMessage(
        event="start", lang="en", title="crisis-kit alert: Bottle <b>",
        what=("Today (2022-05-02) 12 negative complaints; usually about 0.7 a day.",),
        kind_label="Kind:", kind="the share of negatives rose, not only their number",
        topic="Leading topic: Quality (11 of 12 negatives since the alert began).", quote=XSS,
        steps_title="First steps in the golden 4 hours:",
        steps=(Step("cs", "Customer service: open the queue (within 1 h; Wang)", "13800000001"),),
        window="Golden window closed at 2022-05-02 15:14.", report="Report: https://r.example.com/a",
        report_url="https://r.example.com/a", open_report="Open the report",
        numbers={"negative": 12}, message="crisis-kit ALERT x")


def test_slack_block_kit_shape_and_escaping():
    """https://api.slack.com/reference/block-kit/blocks; https://api.slack.com/reference/surfaces/formatting#escaping"""
    body = payload(_nasty(), "slack")
    assert set(body) == {"text", "blocks", "crisis_kit"} and body["crisis_kit"] == {"negative": 12}
    kinds = [block["type"] for block in body["blocks"]]
    assert kinds == ["header", "section", "section", "section", "context", "section"]
    header = body["blocks"][0]["text"]
    assert header["type"] == "plain_text" and len(header["text"]) <= 150
    for block in body["blocks"][1:]:
        texts = [block["text"]] if "text" in block else block["elements"]
        for text in texts:
            assert text["type"] == "mrkdwn" and len(text["text"]) <= 3000
            assert "<script>" not in text["text"] and "<!channel>" not in text["text"]
    quote = body["blocks"][2]["text"]["text"]
    assert "\n>&lt;script&gt;alert(1)&lt;/script&gt;" in quote and "&lt;!channel&gt;" in quote
    assert body["blocks"][-1]["text"]["text"] == "<https://r.example.com/a|Open the report>"
    assert body["text"].startswith("crisis-kit alert: Bottle &lt;b&gt;")


def test_feishu_card_shape_puts_customer_words_in_plain_text():
    """https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (sending a message card)"""
    body = payload(_nasty(), "feishu")
    assert body["msg_type"] == "interactive" and set(body) == {"msg_type", "card"}
    card = body["card"]
    assert card["header"] == {"template": "red", "title": {"tag": "plain_text",
                                                           "content": "crisis-kit alert: Bottle <b>"}}
    tags = [element["tag"] for element in card["elements"]]
    assert tags == ["div", "hr", "div", "hr", "div", "note", "action"]
    for element in card["elements"]:
        if element["tag"] == "div":
            assert element["text"]["tag"] == "plain_text"  # never lark_md: no markup, no <at>
    (button,) = card["elements"][6]["actions"]
    assert button == {"tag": "button", "type": "primary", "url": "https://r.example.com/a",
                      "text": {"tag": "plain_text", "content": "Open the report"}}
    assert f"“{XSS}”" in card["elements"][2]["text"]["content"]


def test_dingtalk_markdown_mentions_owners_and_escapes_quotes():
    """https://open.dingtalk.com/document/development/robot-message-type (markdown; at.atMobiles)"""
    body = payload(_nasty(), "dingtalk")
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    assert body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    text = body["markdown"]["text"]
    assert "- Customer service: open the queue (within 1 h; Wang) @13800000001" in text
    quote = next(line for line in text.splitlines() if line.startswith("> "))
    assert "<" not in quote and "@13800000000" not in quote and "＠13800000000" in quote
    assert "\\*bold\\*" in quote and "\\[x\\]" in quote
    assert "[Open the report](https://r.example.com/a)" in text


def test_wecom_markdown_fits_4096_bytes():
    """https://developer.work.weixin.qq.com/document/path/91770 (markdown: content <= 4096 bytes)"""
    body = payload(_nasty(), "wecom")
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"content"}
    assert "&lt;script&gt;" in body["markdown"]["content"]
    many = replace(_nasty(), steps=tuple(Step("cs", "客服：" + "很长的步骤" * 60) for _ in range(8)))
    content = payload(many, "wecom")["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_MARKDOWN_BYTES
    assert content.startswith("### crisis-kit alert") and "Open the report" in content


@pytest.mark.parametrize("fmt", ["slack", "feishu", "dingtalk", "wecom"])
def test_plain_text_stays_available(fmt):
    body = payload(_nasty(), fmt, style="text")
    text = {"slack": lambda b: b["text"], "feishu": lambda b: b["content"]["text"],
            "dingtalk": lambda b: b["text"]["content"], "wecom": lambda b: b["text"]["content"]}[fmt](body)
    assert text.startswith("crisis-kit alert: Bottle")
    assert "First steps in the golden 4 hours:" in text
    assert "<script>" not in text and "<at user_id" not in text and "@13800000000" not in text
    if fmt == "dingtalk":
        assert body["at"]["atMobiles"] == ["13800000001"] and text.endswith("@13800000001")
    if fmt == "wecom":
        assert body["text"]["mentioned_mobile_list"] == ["13800000001"]
    assert webhook_payload(_nasty(), fmt, "text") == body


# -- delivery and signing ---------------------------------------------------------------


def _feishu_sign(timestamp: str, secret: str) -> str:
    # As Feishu's page writes it: string_to_sign = timestamp + "\n" + secret is the key.
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def test_zh_alert_reaches_feishu_as_a_signed_chinese_card(sample_incident, tmp_path, hook,
                                                          monkeypatch, capsys, caplog):
    path = _incident(sample_incident, tmp_path, language="zh", playbook="product-defect",
                     report_url="https://wiki.example.com/crisis/bottle-valve-2022.html",
                     notifications={"format": "feishu", "secret_env": "FEISHU_BOT_SECRET",
                                    "owners": OWNERS})
    monkeypatch.setenv("FEISHU_BOT_SECRET", SECRET)
    monkeypatch.setenv("CRISIS_KIT_WEBHOOK", hook.url)
    caplog.set_level(logging.DEBUG)
    before = int(time.time())
    assert main(["monitor", str(path), "--as-of", "2022-05-02"]) == 3
    (request,) = hook.requests
    body = request["json"]
    # signed now (Feishu refuses a timestamp an hour off), in seconds, as a string
    assert before <= int(body["timestamp"]) <= time.time()
    assert body["sign"] == _feishu_sign(body["timestamp"], SECRET)
    card = body["card"]
    assert body["msg_type"] == "interactive" and card["header"]["template"] == "red"
    assert card["header"]["title"]["content"] == "crisis-kit 预警：Anti-colic bottle valve leak"
    shown = "\n".join(e["text"]["content"] for e in card["elements"] if e["tag"] == "div")
    assert "今天（2022年5月2日）负面投诉 12 条，平时每天约 0.7 条。" in shown
    assert "主要问题：质量与缺陷（预警以来 12 条负面中占 11 条）。\n“milk leaks everywhere”" in shown
    assert "• 客服：开启缺陷工单队列并暂停自动回复（1 小时内；王芳）" in shown
    assert card["elements"][-1]["actions"][0]["url"] == (
        "https://wiki.example.com/crisis/bottle-valve-2022.html")
    out, err = capsys.readouterr()
    for text in (out, err, caplog.text, json.dumps(body, ensure_ascii=False),
                 (path.parent / STATE_FILE).read_text()):
        assert SECRET not in text and HOOK_TOKEN not in text.replace(request["path"], "")


def test_en_alert_reaches_slack_as_block_kit(sample_incident, tmp_path, hook, capsys):
    path = _incident(sample_incident, tmp_path, playbook="product-defect",
                     report_url="https://wiki.example.com/bottle.html")
    assert main(["monitor", str(path), "--as-of", "2022-05-02", "--webhook", hook.url]) == 3
    (request,) = hook.requests
    body = request["json"]
    assert body["blocks"][0] == {"type": "header", "text": {
        "type": "plain_text", "text": "crisis-kit alert: Anti-colic bottle valve leak"}}
    sections = "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")
    assert "Today (2022-05-02) 12 negative complaints; usually about 0.7 a day." in sections
    assert "Leading topic: Quality and defects (11 of 12 negatives since the alert began).\n" \
           ">milk leaks everywhere" in sections
    assert "• Customer service: open defect case queue and pause auto-replies (within 1 h; " \
           "no owner set)" in sections
    assert "<https://wiki.example.com/bottle.html|Open the report>" in sections
    assert body["crisis_kit"]["negative"] == 12 and body["crisis_kit"]["alert_date"] == "2022-05-02"
    assert "timestamp" not in body and "sign" not in body  # Slack webhooks are not signed


def test_dingtalk_signature_goes_into_the_address(hook, alert_state, sample_incident, caplog):
    """https://open.dingtalk.com/document/robots/customize-robot-security-settings (加签)"""
    message = compose(alert_state, sample_incident.model_copy(update={
        "playbook": "product-defect", "notifications": sample_incident.notifications.model_copy(
            update={"owners": load_incident_owners()})}), "start")
    caplog.set_level(logging.DEBUG)
    assert post_webhook(hook.url, message, format="dingtalk", secret=SECRET,
                        clock=lambda: FIXED_NOW) == 200
    (request,) = hook.requests
    query = parse_qs(urlsplit(request["path"]).query)
    assert query["timestamp"] == ["1651500000250"]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"1651500000250\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]  # parse_qs undid the URL-encoding
    assert "%2B" in request["path"] or "+" not in expected  # base64's + and / were URL-encoded
    assert request["json"]["at"]["atMobiles"] == ["13800000001", "13800000003"]
    assert SECRET not in caplog.text and SECRET not in request["path"]


@pytest.mark.parametrize("fmt", ["feishu", "dingtalk"])
def test_a_refusal_echoing_the_request_shows_no_secret_and_no_signature(
        refusing_hook, alert_state, sample_incident, fmt, caplog):
    caplog.set_level(logging.DEBUG)
    message = compose(alert_state, sample_incident, "start")
    with pytest.raises(CrisisKitError, match="HTTP 403") as info:
        post_webhook(refusing_hook.url, message, format=fmt, secret=SECRET, clock=lambda: FIXED_NOW)
    (request,) = refusing_hook.requests
    sign = request["json"].get("sign") or parse_qs(urlsplit(request["path"]).query)["sign"][0]
    shown = f"{info.value} {info.value!r} {caplog.text}"
    for hidden in (SECRET, sign, quote_plus(sign), HOOK_TOKEN):
        assert hidden not in shown


# -- one message per change, not per run ------------------------------------------------


def _run(path: Path, day: dt.date) -> int:
    return main(["monitor", str(path), "--as-of", day.isoformat(), "--quiet"])


@pytest.mark.slow
def test_one_alert_across_ten_daily_runs_and_one_when_it_clears(sample_incident, tmp_path, hook,
                                                                 monkeypatch):
    path = _incident(sample_incident, tmp_path, notifications={"digest": "off"})
    monkeypatch.setenv("CRISIS_KIT_WEBHOOK", hook.url)
    assert [_run(path, day) for day in ALERT_DAYS] == [3] * 10  # active 2022-05-02 .. 05-11
    assert len(hook.requests) == 1
    assert hook.requests[0]["json"]["blocks"][0]["text"]["text"].startswith("crisis-kit alert:")
    assert _run(path, CLEAR_DAY) == 0
    assert len(hook.requests) == 2
    clear = hook.requests[1]["json"]["blocks"]
    assert clear[0]["text"]["text"] == "crisis-kit all clear: Anti-colic bottle valve leak"
    assert clear[1]["text"]["text"].startswith(
        "No firing for 4 days: the alert that began 2022-05-02 is over. Today (2022-05-12) "
        "20 negative complaints.")
    assert _run(path, CLEAR_DAY + dt.timedelta(days=1)) == 0 and len(hook.requests) == 2
    assert json.loads((path.parent / STATE_FILE).read_text()) == {
        "alert_date": None, "alert_kind": None, "day": "2022-05-12", "event": "clear",
        "status": "calm"}


@pytest.mark.slow
def test_ten_runs_on_one_day_post_once_and_a_daily_digest_follows(sample_incident, tmp_path, hook,
                                                                   monkeypatch):
    path = _incident(sample_incident, tmp_path, language="zh")
    monkeypatch.setenv("CRISIS_KIT_WEBHOOK", hook.url)
    assert [_run(path, ALERT_DAYS[0]) for _ in range(10)] == [3] * 10  # hourly cron, one day
    assert len(hook.requests) == 1
    assert _run(path, ALERT_DAYS[1]) == 3 and _run(path, ALERT_DAYS[1]) == 3
    assert len(hook.requests) == 2
    titles = [r["json"]["blocks"][0]["text"]["text"] for r in hook.requests]
    assert titles == ["crisis-kit 预警：Anti-colic bottle valve leak",
                      "crisis-kit 每日汇总：Anti-colic bottle valve leak"]
    assert _run(path, ALERT_DAYS[0]) == 3 and len(hook.requests) == 2  # an older day: quiet


def _state(day, status="alert", alert_date=dt.date(2022, 5, 2), kind=None):
    class State:
        pass

    state = State()
    state.day, state.status, state.alert_date = day, status, alert_date if status == "alert" else None
    state.alert_active = status == "alert"
    state.as_json = lambda: {"alert_kind": kind}
    return state


def _sent(day, status="alert", event="start", alert_date="2022-05-02", kind=None):
    return Sent(event=event, status=status, day=day, alert_date=alert_date, alert_kind=kind)


D2, D3 = dt.date(2022, 5, 2), dt.date(2022, 5, 3)


@pytest.mark.parametrize(("state", "previous", "digest", "event"), [
    (_state(D2), None, "daily", "start"),
    (_state(D2, "calm"), None, "daily", None),
    (_state(D2), _sent("2022-05-02"), "daily", None),
    (_state(D3), _sent("2022-05-02"), "daily", "digest"),
    (_state(D3), _sent("2022-05-02"), "off", None),
    (_state(D3, kind="share-driven"), _sent("2022-05-02", kind="volume-driven"), "off", "kind"),
    (_state(D3, kind="share-driven"), _sent("2022-05-02", kind=None), "off", None),
    (_state(D3, "calm"), _sent("2022-05-02"), "daily", "clear"),
    (_state(D3, "calm"), _sent("2022-05-02", "calm", "clear", None), "daily", None),
    (_state(D3), _sent("2022-05-02", "calm", "clear", None), "daily", "start"),
    (_state(D3, alert_date=D3), _sent("2022-05-02"), "off", "start"),
    (_state(D2, "calm"), _sent("2022-05-03"), "daily", None),
])
def test_decide(state, previous, digest, event):
    assert decide(state, previous, digest) == event
