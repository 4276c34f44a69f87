"""The scheduled monitor: ``crisis-kit monitor``, :mod:`crisis_kit.monitor`, the webhook, the notebook."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from crisis_kit.cli import main
from crisis_kit.errors import ConfigError, CrisisKitError
from crisis_kit.figures import charts as figures
from crisis_kit.figures import theme
from crisis_kit.monitor import (
    ACTIVE_DAYS,
    NOTEBOOK,
    STATE_FILE,
    WEBHOOK_FORMATS,
    MonitorState,
    check,
    notebook_parameters,
    post_webhook,
    redact_url,
    webhook_payload,
)
from crisis_kit.pipeline import load_evidence

CALM_DAY, ALERT_DAY = "2022-04-20", "2022-05-03"
SECRET = "T0SECRET/B0SECRET/xoxSECRETtoken42"
JSON_KEYS = {
    "incident", "status", "day", "negative", "prior_mean", "threshold", "growth", "floor",
    "seed_fires", "p_value", "statistical_fires", "active_days", "last_fired", "alert_date",
    "alert_at", "latest_event_date", "message", "alert_kind", "share", "share_fires",
    "low_volume_fires", "negatives_to_fire", "overdue_followups", "followups_problem",
}


@pytest.fixture(autouse=True)
def _no_webhook_from_the_environment(monkeypatch):
    monkeypatch.delenv("CRISIS_KIT_WEBHOOK", raising=False)


@pytest.fixture
def incident_yaml(sample_incident, tmp_path) -> Path:
    """A private copy of the ingested sample: ``monitor`` ingests, so it writes the store."""
    root = tmp_path / "incident"
    shutil.copytree(sample_incident.root, root)
    return root / "incident.yaml"


# -- the command ------------------------------------------------------------------------


def test_calm_day_exits_0_with_one_line(incident_yaml, capsys):
    assert main(["monitor", str(incident_yaml), "--as-of", CALM_DAY]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and err == ""
    assert out.startswith("crisis-kit calm bottle-valve-2022: 0 negative on 2022-04-20, ")
    assert "alert since" not in out


def test_alert_day_exits_3_and_says_since_when(incident_yaml, capsys):
    assert main(["monitor", str(incident_yaml), "--as-of", ALERT_DAY]) == 3
    out, _ = capsys.readouterr()
    assert out.count("\n") == 1
    assert out.startswith("crisis-kit ALERT bottle-valve-2022: 13 negative on 2022-05-03, ")
    assert "alert since 2022-05-02 11:14 PDT, fired today" in out


def test_json_output_shape(incident_yaml, capsys):
    assert main(["monitor", str(incident_yaml), "--as-of", ALERT_DAY, "--json"]) == 3
    state = json.loads(capsys.readouterr().out)
    assert set(state) == JSON_KEYS
    assert state["status"] == "alert" and state["day"] == ALERT_DAY
    assert (state["alert_date"], state["alert_at"]) == ("2022-05-02", "2022-05-02T11:14:50-07:00")
    assert (state["negative"], state["floor"], state["growth"]) == (13, 5, 0.15)
    assert state["seed_fires"] is True and state["statistical_fires"] is True
    assert state["last_fired"] == ALERT_DAY and state["active_days"] == ACTIVE_DAYS
    assert 0 < state["p_value"] < 1e-6
    # the sample's defect: the share of negatives rose, not only their number
    assert state["alert_kind"] == "share-driven" and "share-driven" in state["message"]
    assert state["share_fires"] is True
    calm = check(incident_yaml, CALM_DAY).as_json()  # the same dict, without a second ingest
    assert set(calm) == JSON_KEYS and calm["status"] == "calm"
    assert calm["alert_date"] is None and calm["alert_at"] is None and calm["last_fired"] is None
    # how far the calm day is from the seed rule, checked by hand from the day's figures
    need = max(calm["floor"], int((1 + calm["growth"]) * calm["prior_mean"]) + 1)
    assert calm["negatives_to_fire"] == max(0, need - calm["negative"])
    assert f"{calm['negatives_to_fire']} more negatives today fire the seed rule" in calm["message"]


def test_usage_and_errors(incident_yaml, tmp_path, capsys):
    with pytest.raises(SystemExit) as usage:
        main(["monitor", str(incident_yaml), "--as-of", "2022-5-3x"])
    assert usage.value.code == 2
    assert "is not a day (YYYY-MM-DD)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["monitor", str(incident_yaml), "--webhook-format", "teams"])
    assert usage.value.code == 2
    capsys.readouterr()
    assert main(["monitor", str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("crisis-kit: incident file ") and "Traceback" not in err


def test_monitor_ingests_what_is_new_first(incident_yaml, capsys):
    """A new day of returns in the export reaches the verdict in the same run."""
    returns = incident_yaml.parent / "exports" / "fba_returns.txt"
    lines = returns.read_text(encoding="utf-8").splitlines()
    columns = lines[0].split("\t")
    model = next(dict(zip(columns, line.split("\t"), strict=True)) for line in lines[1:]
                 if "\tB0SAMPLE01\t" in line and "\tDEFECTIVE\t" in line)
    new = []
    for i in range(30):
        row = model | {"return-date": f"2022-09-02T{10 + i // 6:02d}:{i % 6 * 10:02d}:00+00:00",
                       "order-id": f"114-9999999-{i:07d}", "license-plate-number": f"LPNNEW{i:06d}"}
        new.append("\t".join(row[c] for c in columns))
    returns.write_text("\n".join(lines + new) + "\n", encoding="utf-8")
    assert main(["monitor", str(incident_yaml), "--json"]) == 3
    state = json.loads(capsys.readouterr().out)
    assert (state["day"], state["negative"], state["alert_date"]) == ("2022-09-02", 30, "2022-09-02")


# -- the library ------------------------------------------------------------------------


def test_numbers_are_the_seed_rule_by_hand(sample_incident):
    state = check(sample_incident, ALERT_DAY)
    events = load_evidence(sample_incident, ALERT_DAY).events
    day = pd.to_datetime(events["local_date"]).dt.date
    n = {d: int(((day == d) & events["is_negative"]).sum())
         for d in (dt.date(2022, 5, 3) - dt.timedelta(days=k) for k in range(8))}
    prior = sum(n[dt.date(2022, 5, 3) - dt.timedelta(days=k)] for k in range(1, 8)) / 7
    assert state.negative == n[dt.date(2022, 5, 3)] == 13
    assert state.prior_mean == pytest.approx(prior)
    assert state.threshold == pytest.approx(1.15 * prior)
    assert state.as_json()["threshold"] == round(1.15 * prior, 3)


@pytest.mark.parametrize(
    ("as_of", "active_days", "status", "last_fired"),
    [
        ("2022-05-01", 3, "calm", None),          # the day before the first alert
        ("2022-05-02", 3, "alert", "2022-05-02"),  # the alert day
        ("2022-05-08", 3, "alert", "2022-05-08"),  # the rule's last firing day
        ("2022-05-11", 3, "alert", "2022-05-08"),  # 3 days after it: still active
        ("2022-05-12", 3, "calm", None),          # 4 days after it: calm
        ("2022-05-11", 0, "calm", None),          # active_days=0: the judged day only
        ("2022-05-09", 1, "alert", "2022-05-08"),
    ],
)
def test_alert_stays_active_for_active_days(sample_incident, as_of, active_days, status,
                                            last_fired):
    state = check(sample_incident, as_of, active_days=active_days)
    assert (state.status, state.as_json()["last_fired"]) == (status, last_fired)
    if status == "alert":
        assert state.alert_date == dt.date(2022, 5, 2)
        assert state.alert_at.isoformat() == "2022-05-02T11:14:50-07:00"
    else:
        assert state.alert_date is None and state.alert_at is None


def test_state_is_frozen_and_keeps_30_days(sample_incident):
    state = check(str(sample_incident.root / "incident.yaml"), dt.date(2022, 5, 3))
    assert isinstance(state, MonitorState) and state.alert_active
    with pytest.raises(AttributeError):
        state.status = "calm"
    days = state.negative_per_day["local_date"]
    assert len(days) == 30 and days.iloc[-1] == pd.Timestamp("2022-05-03")
    assert "ALERT" in state._repr_markdown_()


def test_default_day_is_the_latest_with_an_event(sample_incident):
    state = check(sample_incident)
    assert state.day == state.latest_event_date == dt.date(2022, 8, 31)
    assert check(sample_incident, "2022-09-10").latest_event_date == dt.date(2022, 8, 31)


def test_short_history_has_no_threshold(sample_incident):
    state = check(sample_incident, "2022-02-03")
    assert state.prior_mean is None and state.threshold is None and state.p_value is None
    assert "threshold n/a (fewer than 7 days of history)" in state.message


def test_check_errors_are_readable(sample_incident, tmp_path):
    with pytest.raises(ConfigError, match="not a date"):
        check(sample_incident, "May 3")
    with pytest.raises(ConfigError, match="set incident_path"):
        check("")
    with pytest.raises(CrisisKitError, match="no complaint event of this incident on or before"):
        check(sample_incident, "2021-01-01")
    with pytest.raises(ValueError, match="active_days"):
        check(sample_incident, active_days=-1)
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "incident.yaml").write_text("incident: bare\n", encoding="utf-8")
    with pytest.raises(CrisisKitError, match="crisis-kit ingest"):
        check(bare / "incident.yaml")


def test_figure_marks_firing_days_and_the_threshold(sample_incident):
    state = check(sample_incident, "2022-05-06")
    figure = state.figure()
    bars, line = figure.data
    assert bars.type == "bar" and line.type == "scatter"
    assert list(bars.y[-5:]) == [12, 13, 38, 40, 41]
    assert list(bars.marker.color[-5:]) == [theme.COLORS["alert"]] * 5
    assert bars.marker.color[0] == theme.COLORS["accent"]
    assert line.name == "Threshold: 1.15 x the 7-day mean"
    assert line.y[-1] == pytest.approx(state.threshold)
    empty = figures.negative_threshold(state.negative_per_day.iloc[:0], {"no_data": "none"})
    assert not empty.data and empty.layout.annotations[0].text == "none"


# -- the webhook ------------------------------------------------------------------------


class _Hook(ThreadingHTTPServer):
    """A local bot: records each request and answers from a script of (status, body)."""

    daemon_threads = True

    def __init__(self, answers):
        super().__init__(("127.0.0.1", 0), _HookHandler)
        self.answers = list(answers)
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/{SECRET}?token=SECRETQUERY9"


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers),
                                     "json": json.loads(body)})
        status, text = self.server.answers.pop(0) if self.server.answers else (200, "ok")
        payload = text.encode("utf-8")
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    servers = []

    def start(*answers):
        server = _Hook(answers)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def alert_state(sample_incident):
    return check(sample_incident, ALERT_DAY)


def _no_secret(*texts: str) -> None:
    for text in texts:
        for piece in ("SECRET", "services/", "token="):
            assert piece not in text, text


@pytest.mark.parametrize("fmt", WEBHOOK_FORMATS)
def test_posted_json_for_each_format(hook, alert_state, fmt):
    server = hook()
    assert post_webhook(server.url, alert_state, format=fmt) == 200
    (request,) = server.requests
    assert request["path"] == f"/services/{SECRET}?token=SECRETQUERY9"
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    text = alert_state.message
    expected = {
        "slack": {"text": text, "crisis_kit": alert_state.as_json()},
        "feishu": {"msg_type": "text", "content": {"text": text}},
        "dingtalk": {"msgtype": "text", "text": {"content": text}},
        "wecom": {"msgtype": "text", "text": {"content": text}},
    }[fmt]
    assert request["json"] == expected == webhook_payload(alert_state, fmt)
    assert text.startswith("crisis-kit ALERT")  # DingTalk/Feishu keyword security: "crisis-kit"


def test_retries_after_500_then_succeeds(hook, alert_state, caplog):
    server = hook((500, "busy"), (429, "slow down"), (200, "ok"))
    assert post_webhook(server.url, alert_state, retries=3, backoff=0.01) == 200
    assert len(server.requests) == 3
    assert "retry 1 of 3" in caplog.text
    _no_secret(caplog.text)


def test_gives_up_after_the_retries(hook, alert_state):
    server = hook(*[(503, f"down {SECRET}")] * 3)
    with pytest.raises(CrisisKitError) as info:
        post_webhook(server.url, alert_state, retries=2, backoff=0)
    assert len(server.requests) == 3
    assert "HTTP 503" in str(info.value) and "(3 attempts)" in str(info.value)
    _no_secret(str(info.value), repr(info.value))


def test_a_refusal_is_not_retried(hook, alert_state):
    server = hook((404, "no_service"))
    with pytest.raises(CrisisKitError, match="refused the message: HTTP 404 no_service") as info:
        post_webhook(server.url, alert_state, backoff=0)
    assert len(server.requests) == 1
    _no_secret(str(info.value))


def test_an_error_code_in_a_200_answer_is_an_error(hook, alert_state):
    server = hook((200, json.dumps({"code": 19024, "msg": "Key Words Not Found"})))
    with pytest.raises(CrisisKitError, match="code 19024 Key Words Not Found"):
        post_webhook(server.url, alert_state, format="feishu")
    server = hook((200, json.dumps({"errcode": 0, "errmsg": "ok"})))
    assert post_webhook(server.url, alert_state, format="dingtalk") == 200


def test_timeout_on_a_server_that_never_answers(alert_state):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections in the kernel, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/services/{SECRET}"
        started = time.monotonic()
        with pytest.raises(CrisisKitError, match=r"no answer within 0.3 s") as info:
            post_webhook(url, alert_state, timeout=0.3, retries=1, backoff=0)
        assert 0.5 < time.monotonic() - started < 5
    assert "(2 attempts)" in str(info.value)
    _no_secret(str(info.value), repr(info.value))


def test_connection_refused_is_retried_then_reported(alert_state):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    url = f"http://127.0.0.1:{port}/services/{SECRET}"
    with pytest.raises(CrisisKitError, match=rf"http://127.0.0.1:{port}/\*\*\*") as info:
        post_webhook(url, alert_state, retries=1, backoff=0)
    assert info.value.__cause__ is None
    _no_secret(str(info.value))


def test_bad_addresses_are_refused_before_sending(alert_state):
    with pytest.raises(ConfigError, match="not an http") as info:
        post_webhook(f"file:///etc/{SECRET}", alert_state)
    _no_secret(str(info.value))
    for bad in (f"https://hooks.example.com/services/{SECRET} x", f"https://h.example.com:99x/{SECRET}"):
        with pytest.raises(ConfigError, match="not an http") as info:
            post_webhook(bad, alert_state)
        _no_secret(str(info.value))
    with pytest.raises(ConfigError, match="pass --webhook-format feishu") as info:
        post_webhook(f"https://open.feishu.cn/open-apis/bot/v2/hook/{SECRET}", alert_state)
    _no_secret(str(info.value))
    with pytest.raises(ConfigError, match="use one of: slack, feishu, dingtalk, wecom"):
        post_webhook("https://example.com/hook", alert_state, format="teams")
    with pytest.raises(ValueError, match="timeout"):
        post_webhook("https://example.com/hook", alert_state, timeout=0)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/***"),
        ("https://open.feishu.cn/open-apis/bot/v2/hook/abc-123", "https://open.feishu.cn/***"),
        ("https://oapi.dingtalk.com/robot/send?access_token=abc", "https://oapi.dingtalk.com/***"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "https://qyapi.weixin.qq.com/***"),
        ("http://user:pw@127.0.0.1:8080/x", "http://127.0.0.1:8080/***"),
        ("https://relay.example.com", "https://relay.example.com"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_cli_posts_when_the_alert_starts_and_never_prints_the_secret(
        hook, incident_yaml, capsys, caplog):
    server = hook()
    argv = ["monitor", str(incident_yaml), "--webhook", server.url, "--webhook-format", "wecom"]
    assert main([*argv, "--as-of", CALM_DAY]) == 0
    assert server.requests == []  # calm: nothing to say
    assert main([*argv, "--as-of", ALERT_DAY]) == 3
    (request,) = server.requests
    content = request["json"]["markdown"]["content"]
    assert content.startswith("### crisis-kit alert: Anti-colic bottle valve leak")
    assert "Today (2022-05-03) 13 negative complaints; usually about 2.4 a day." in content
    (incident_yaml.parent / STATE_FILE).unlink()  # forget it: the next run starts the alert again
    refusing = hook((403, f"invalid_token {SECRET}"))
    assert main(["monitor", str(incident_yaml), "--as-of", ALERT_DAY, "--webhook",
                 refusing.url]) == 1
    out, err = capsys.readouterr()
    assert "ALERT" in out and "refused the message: HTTP 403" in err
    assert not (incident_yaml.parent / STATE_FILE).exists()  # not delivered: not remembered
    _no_secret(out, err, caplog.text)


def test_quiet_prints_nothing_and_the_webhook_may_come_from_the_environment(
        hook, incident_yaml, monkeypatch, capsys):
    server = hook()
    monkeypatch.setenv("CRISIS_KIT_WEBHOOK", server.url)
    assert main(["monitor", str(incident_yaml), "--as-of", ALERT_DAY, "--quiet"]) == 3
    assert capsys.readouterr() == ("", "")
    assert len(server.requests) == 1 and "crisis_kit" in server.requests[0]["json"]


def test_cli_choices_are_the_library_formats():
    from crisis_kit.cli import _parser

    monitor = _parser()._subparsers._group_actions[0].choices["monitor"]
    (action,) = [a for a in monitor._actions if a.dest == "webhook_format"]
    # no default here: incident.yaml's notifications.format, else slack
    assert tuple(action.choices) == WEBHOOK_FORMATS and action.default is None


# -- the notebook -----------------------------------------------------------------------


def test_notebook_parameters_match_what_the_monitor_passes():
    declared = papermill.inspect_notebook(str(NOTEBOOK))
    assert {name: (p["inferred_type_name"], p["default"]) for name, p in declared.items()} == {
        "incident_path": ("str", '"../data/samples/incident.yaml"'), "as_of": ("str", '""')}
    passed = notebook_parameters("incident.yaml", dt.date(2022, 5, 3))
    assert passed == {"incident_path": "incident.yaml", "as_of": "2022-05-03"}
    assert notebook_parameters("incident.yaml") == {"incident_path": "incident.yaml", "as_of": ""}
    assert set(passed) == set(declared)
    assert all(isinstance(value, str) for value in passed.values())
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert not any(re.search(r"^\s*(def|class) ", source, re.M) for source in code)
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    assert any("monitor.check(incident_path, as_of, ingest=True)" in source for source in code)


@pytest.mark.slow
def test_notebook_runs_with_papermill_on_the_sample(incident_yaml, tmp_path):
    from crisis_kit.report.run import run_notebook

    out = tmp_path / "monitor.ipynb"
    nb = run_notebook(NOTEBOOK, out, notebook_parameters(incident_yaml, ALERT_DAY), quiet=True)
    outputs = {cell.id: cell.outputs for cell in nb.cells if cell.cell_type == "code"}
    (state,) = outputs["state"]
    assert state["data"]["text/markdown"].startswith("**crisis-kit ALERT bottle-valve-2022: 13 ")
    (figure,) = outputs["figure"]
    traces = figure["data"]["application/vnd.plotly.v1+json"]["data"]
    assert [t["type"] for t in traces] == ["bar", "scatter"]
    assert out.is_file()
