"""Tell a chat bot: post a monitor's message to a Slack, Feishu, DingTalk or WeCom webhook.

The message is a :class:`~crisis_kit.monitor.notice.ChatMessage`, shaped for the platform
by :mod:`crisis_kit.monitor.payloads` (a card or markdown, or plain text), or a bare
verdict (:class:`~crisis_kit.monitor.MonitorState`), posted as its one line. Feishu and
DingTalk bots may require a signature: given the bot's secret, :func:`post_webhook`
signs each attempt as each platform documents (:func:`feishu_sign`, :func:`dingtalk_sign`).
The secret, like the address, is never logged, printed or raised.

A webhook's address is a secret: whoever holds the path or query of
``https://hooks.slack.com/services/T.../B.../...`` (or Feishu's ``/open-apis/bot/v2/hook/<token>``,
DingTalk's ``?access_token=...``, WeCom's ``?key=...``) may post to the channel. So
nothing here logs, prints or raises with more of the address than its scheme and
host (:func:`redact_url`), and text that came back from the server is scrubbed of it
too. Standard library only (``urllib``): no new dependency; ``HTTP(S)_PROXY`` are
honoured as urllib does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import math
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..errors import ConfigError, CrisisKitError
from . import payloads
from .notice import ChatMessage

__all__ = ["WEBHOOK_FORMATS", "KNOWN_HOSTS", "WECOM_TEXT_BYTES", "Notice", "webhook_payload", "redact_url",
           "post_webhook", "feishu_sign", "dingtalk_sign"]

WEBHOOK_FORMATS = ("slack", "feishu", "dingtalk", "wecom")
"""The message shapes :func:`webhook_payload` writes."""

KNOWN_HOSTS = {
    "hooks.slack.com": "slack",
    "open.feishu.cn": "feishu",
    "open.larksuite.com": "feishu",
    "oapi.dingtalk.com": "dingtalk",
    "qyapi.weixin.qq.com": "wecom",
}
"""Hosts whose bots take only one shape; posting another shape there is refused early."""

WECOM_TEXT_BYTES = 2048
"""WeCom's limit on a text message's ``content`` (UTF-8 bytes): a portfolio scan's message
lists fewer ASINs to fit (``ScanNotice.text_within``)."""

MAX_RETRY_AFTER = 60.0
"""The longest wait, in seconds, granted to a server's ``Retry-After``."""

_logger = logging.getLogger(__name__)
_ANSWER_BYTES = 65_536


class Notice(Protocol):
    """What a webhook message is made from (a :class:`crisis_kit.monitor.MonitorState`)."""

    message: str

    def as_json(self) -> dict[str, Any]:
        """The machine-readable verdict."""
        ...


def webhook_payload(state: Notice | ChatMessage, format: str = "slack",
                    style: str = "rich") -> dict[str, Any]:
    """The JSON body one kind of bot takes.

    Parameters
    ----------
    state : ChatMessage or Notice
        A composed message (:func:`crisis_kit.monitor.notice.compose`): shaped by
        :func:`crisis_kit.monitor.payloads.payload` in ``style``; or a bare verdict, whose
        one-line ``message`` is posted as text.
    format : {"slack", "feishu", "dingtalk", "wecom"}
        The bot's shape.
    style : {"rich", "text"}
        For a composed message: the platform's card or markdown, or plain text.

    Returns
    -------
    dict
        For a bare verdict:

        - slack: ``{"text": message, "crisis_kit": state.as_json()}``, ``&``, ``<``
          and ``>`` of the message escaped as Slack's formatting page asks (Slack shows
          ``text`` and ignores the rest; relays such as Mattermost or a custom
          receiver get the numbers);
        - feishu: ``{"msg_type": "text", "content": {"text": message}}``;
        - dingtalk and wecom: ``{"msgtype": "text", "text": {"content": message}}``;
          for wecom, a notice with ``text_within`` (the portfolio scan's) is shortened
          to :data:`WECOM_TEXT_BYTES`.

    Raises
    ------
    ConfigError
        If ``format`` is not one of :data:`WEBHOOK_FORMATS`.
    """
    if format not in WEBHOOK_FORMATS:
        raise _unknown_format(format)
    if isinstance(state, ChatMessage):
        return payloads.payload(state, format, style)
    if format == "slack":
        return {"text": payloads._slack(state.message), "crisis_kit": state.as_json()}
    if format == "feishu":
        return {"msg_type": "text", "content": {"text": state.message}}
    if format == "dingtalk":
        return {"msgtype": "text", "text": {"content": state.message}}
    if format == "wecom":  # at most 2048 bytes: a notice that can shorten itself does
        within = getattr(state, "text_within", None)
        text = within(WECOM_TEXT_BYTES) if callable(within) else state.message
        return {"msgtype": "text", "text": {"content": text}}
    raise _unknown_format(format)


def _unknown_format(format: str) -> ConfigError:
    return ConfigError(f"unknown webhook format {format!r}", "option --webhook-format",
                       f"use one of: {', '.join(WEBHOOK_FORMATS)}")


def redact_url(url: str) -> str:
    """The address with everything after the host replaced by ``***``.

    Examples
    --------
    >>> redact_url("https://hooks.slack.com/services/T0/B0/XYZ")
    'https://hooks.slack.com/***'
    >>> redact_url("https://oapi.dingtalk.com/robot/send?access_token=abc")
    'https://oapi.dingtalk.com/***'
    """
    parts = urlsplit(str(url).strip())
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ":***"
    rest = "/***" if parts.path not in ("", "/") or parts.query or parts.fragment else ""
    return f"{parts.scheme or '?'}://{host}{port}{rest}"


def _secrets(url: str) -> list[str]:
    """Pieces of ``url`` that must not appear in any text we show, longest first."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    pieces = [url, url.strip(), parts.path + query, parts.path, parts.query, parts.fragment,
              parts.username, parts.password]
    pieces += [segment for segment in parts.path.split("/") if len(segment) >= 6]
    pieces += [value for _, value in parse_qsl(parts.query) if len(value) >= 6]
    return sorted({p for p in pieces if p and len(p) >= 4}, key=len, reverse=True)


def _scrub(text: str, url: str, hidden: tuple[str, ...] = ()) -> str:
    pieces = sorted({*_secrets(url), *(h for h in hidden if h and len(h) >= 4)}, key=len, reverse=True)
    for piece in pieces:
        text = text.replace(piece, "***")
    return text


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's custom-bot signature for ``timestamp`` (seconds since the epoch).

    HMAC-SHA256 keyed with the timestamp, a newline and the secret, over an empty message,
    base64-encoded: the body then carries ``"timestamp"`` (as a string) and ``"sign"``.
    """
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's custom-robot signature for ``timestamp_ms`` (milliseconds since the epoch).

    HMAC-SHA256 keyed with the secret, over the timestamp, a newline and the secret,
    base64-encoded (the address then gets ``&timestamp=...&sign=...``, URL-encoded).
    """
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _signed(url: str, body: dict[str, Any], format: str, secret: str | None,
            clock: Callable[[], float]) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """The address and body of one attempt, signed when a secret is given; the pieces to hide."""
    if not secret or format not in ("feishu", "dingtalk"):
        return url, body, (secret,) if secret else ()
    if format == "feishu":
        timestamp = int(clock())
        sign = feishu_sign(secret, timestamp)
        return url, {"timestamp": str(timestamp), "sign": sign, **body}, (secret, sign)
    timestamp = int(clock() * 1000)
    sign = dingtalk_sign(secret, timestamp)
    query = urlencode({"timestamp": timestamp, "sign": sign})
    address = url + ("&" if urlsplit(url).query else "?") + query
    return address, body, (secret, sign, urlencode({"sign": sign})[5:])


def _checked_url(url: str, format: str) -> str:
    """The redacted address, after checking the address can be posted to in ``format``."""
    shown = redact_url(url)
    address = str(url).strip()
    parts = urlsplit(address)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (parts.scheme not in ("http", "https") or not parts.hostname or not port_ok
            or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in address)):
        raise ConfigError(
            "the webhook address is not an http(s) URL (or holds spaces or a bad port)",
            f"option --webhook ({shown})",
            "give the full address the bot's settings show, starting with https://",
        )
    if format not in WEBHOOK_FORMATS:
        raise _unknown_format(format)
    expected = KNOWN_HOSTS.get(parts.hostname.lower())
    if expected and expected != format:
        raise ConfigError(
            f"the webhook {shown} is a {expected} bot, but the message is shaped for {format}",
            "option --webhook-format",
            f"pass --webhook-format {expected}",
        )
    return shown


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib turns a redirected POST into a GET without the body: refuse it instead.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _retry_after(headers: Any) -> float | None:
    try:
        value = float(headers.get("Retry-After", ""))
    except (TypeError, ValueError, AttributeError):
        return None
    return min(max(value, 0.0), MAX_RETRY_AFTER) if math.isfinite(value) else None


def _refused_fix(status: int) -> str:
    if 300 <= status < 400:
        return "the address redirects: use the final address the bot's settings show"
    if status in (401, 403, 404, 410):
        return ("the bot does not accept this address (mistyped, revoked, or the channel "
                "archived): copy the address again from the bot's settings")
    return "check that --webhook-format matches the bot (slack, feishu, dingtalk or wecom)"


def _check_answer(format: str, answer: str, shown: str) -> None:
    """Feishu, DingTalk and WeCom answer HTTP 200 with an error code in the body."""
    if format == "slack":
        return
    try:
        body = json.loads(answer)
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    code = body.get("errcode", body.get("code", body.get("StatusCode", 0)))
    if code in (0, None, "0"):
        return
    text = body.get("errmsg") or body.get("msg") or body.get("StatusMessage") or ""
    raise CrisisKitError(
        f"the {format} bot at {shown} refused the message: code {code} {text}".rstrip(),
        "option --webhook",
        "if the bot has a security setting: a custom keyword must be in every message "
        "(crisis-kit is), this machine's IP address allowed, or, for a signature, the bot's "
        "secret in the environment variable incident.yaml's notifications.secret_env names",
    )


def post_webhook(
    url: str,
    state: Notice | ChatMessage,
    *,
    format: str = "slack",
    style: str = "rich",
    secret: str | None = None,
    clock: Callable[[], float] = time.time,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> int:
    """Post a message to a chat bot's incoming webhook.

    Parameters
    ----------
    url : str
        The webhook address (a secret: never shown beyond its host).
    state : ChatMessage or Notice
        A composed message, or a bare verdict (:class:`crisis_kit.monitor.MonitorState`).
    format : {"slack", "feishu", "dingtalk", "wecom"}
        The body's shape (:func:`webhook_payload`).
    style : {"rich", "text"}
        For a composed message: card or markdown, or plain text.
    secret : str, optional
        A Feishu or DingTalk bot's signing secret: each attempt is signed
        (:func:`feishu_sign`, :func:`dingtalk_sign`). Ignored for Slack and WeCom, whose
        webhooks are not signed. Never logged, printed or raised.
    clock : callable
        Seconds since the epoch, for the signature's timestamp (the platforms refuse a
        timestamp more than an hour off); only signing reads it.
    timeout : float
        Seconds to wait for the connection and for the answer, per attempt.
    retries : int
        Further attempts after a connection error, a timeout, HTTP 5xx or HTTP 429.
    backoff : float
        Seconds before the first retry, doubled before each next one; a 429's
        ``Retry-After`` lengthens the wait (up to :data:`MAX_RETRY_AFTER`).

    Returns
    -------
    int
        The HTTP status of the accepting answer.

    Raises
    ------
    ConfigError
        An address that is not http(s), an unknown format, or a known bot's host
        with another bot's format (nothing is sent then).
    CrisisKitError
        The bot refused the message (HTTP 3xx/4xx other than 429, or an error code
        in a Feishu, DingTalk or WeCom answer), or every attempt failed. The message
        names the host only.
    ValueError
        If ``timeout`` is not > 0, ``retries`` not an integer >= 0 or ``backoff`` < 0.
    """
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an integer >= 0, got {retries!r}")
    if not (isinstance(backoff, int | float) and math.isfinite(backoff) and backoff >= 0):
        raise ValueError(f"backoff must be a number of seconds >= 0, got {backoff!r}")
    shown = _checked_url(url, format)
    content = webhook_payload(state, format, style)
    opener = urllib.request.build_opener(_NoRedirect())
    problem = ""
    hidden: tuple[str, ...] = (secret,) if secret else ()
    for attempt in range(retries + 1):
        address, signed, hidden = _signed(str(url).strip(), content, format, secret, clock)
        body = json.dumps(signed, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            address, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "User-Agent": "crisis-kit monitor"},
        )
        wait = backoff * 2 ** attempt
        try:
            with opener.open(request, timeout=timeout) as answer:
                status = answer.status
                text = answer.read(_ANSWER_BYTES).decode("utf-8", "replace")
            _check_answer(format, _scrub(text, url, hidden), shown)
            return status
        except urllib.error.HTTPError as exc:
            detail = _scrub(exc.read(_ANSWER_BYTES).decode("utf-8", "replace"), url, hidden).strip()
            exc.close()
            problem = f"HTTP {exc.code}" + (f" {detail[:200]}" if detail else "")
            if exc.code != 429 and exc.code < 500:
                raise CrisisKitError(f"the webhook at {shown} refused the message: {problem}",
                                     "option --webhook", _refused_fix(exc.code)) from None
            wait = max(wait, _retry_after(exc.headers) or 0.0)
        except ValueError as exc:  # urllib's own complaint about the address quotes it
            raise CrisisKitError(f"the webhook address was refused: {_scrub(str(exc), url, hidden)}",
                                 f"option --webhook ({shown})",
                                 "copy the address again from the bot's settings") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            problem = _scrub(str(reason) or type(reason).__name__, url, hidden)
            if isinstance(reason, TimeoutError) or "timed out" in problem:
                problem = f"no answer within {timeout:g} s ({problem})"
        if attempt < retries:
            _logger.warning("webhook %s: %s; retry %d of %d in %.1f s", shown, problem,
                            attempt + 1, retries, wait)
            time.sleep(wait)
    attempts = retries + 1
    raise CrisisKitError(
        f"could not deliver the message to the webhook at {shown}: {problem} "
        f"({attempts} attempt{'s' if attempts > 1 else ''})",
        "option --webhook",
        "check the network and the address (the verdict was computed; only the message "
        "was not delivered)",
    )
