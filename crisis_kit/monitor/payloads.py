"""A :class:`~crisis_kit.monitor.notice.ChatMessage` shaped for each chat platform.

Rich shapes, each as its platform documents it (the tests cite the pages):

- Slack: Block Kit (``header``, ``section`` with ``mrkdwn``, ``context``) with a ``text``
  fallback for notifications; ``&``, ``<`` and ``>`` escaped as Slack's formatting page asks.
- Feishu: an interactive card (``msg_type: interactive``): a coloured header, ``div``
  elements whose text is ``plain_text`` (so no customer word is read as markup), a
  ``note`` and a button to the report.
- DingTalk: ``msgtype: markdown`` with ``at.atMobiles`` (the lane owners' mobiles, each
  also written ``@<mobile>`` in the text, as DingTalk requires for the mention to show).
- WeCom: ``msgtype: markdown`` (content at most 4096 bytes).

``style="text"`` gives each platform's plain-text message instead. Customer words are
escaped for the markup that reads them; in plain text, ``<``, ``>`` and ``@`` of a quote
become their full-width forms so that no quote can mention or tag anyone.
"""

from __future__ import annotations

import re
from typing import Any

from .notice import ChatMessage

__all__ = ["STYLES", "WECOM_MARKDOWN_BYTES", "payload"]

STYLES = ("rich", "text")
"""``rich``: the platform's card or markdown; ``text``: plain text."""

WECOM_MARKDOWN_BYTES = 4096
"""WeCom's limit on a markdown message's ``content`` (UTF-8 bytes)."""

SLACK_HEADER_CHARS = 150
SLACK_SECTION_CHARS = 3000

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]~])")
_FULL_WIDTH = str.maketrans({"<": "＜", ">": "＞", "@": "＠"})


def _slack(text: str) -> str:
    """Slack's three control characters as entities (api.slack.com formatting, "Escaping text")."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown(text: str) -> str:
    """Text safe inside DingTalk's and WeCom's markdown: tags as entities, markup escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("@", "＠")


def _plain_quote(message: ChatMessage) -> ChatMessage:
    if not message.quote:
        return message
    from dataclasses import replace

    return replace(message, quote=message.quote.translate(_FULL_WIDTH))


def _slack_blocks(message: ChatMessage) -> dict[str, Any]:
    def section(text: str) -> dict[str, Any]:
        return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SLACK_SECTION_CHARS]}}

    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:SLACK_HEADER_CHARS]}},
    ]
    head = [_slack(line) for line in message.what]
    if message.kind:
        head.append(f"*{_slack(message.kind_label)}* {_slack(message.kind)}")
    blocks.append(section("\n".join(head)))
    if message.topic:
        quoted = f"\n>{_slack(message.quote)}" if message.quote else ""
        blocks.append(section(_slack(message.topic) + quoted))
    if message.steps:
        steps = "\n".join(f"• {_slack(step.text)}" for step in message.steps)
        blocks.append(section(f"*{_slack(str(message.steps_title))}*\n{steps}"))
    if message.window:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _slack(message.window)}]})
    if message.report_url:
        blocks.append(section(f"<{_slack(message.report_url)}|{_slack(message.open_report)}>"))
    elif message.report:
        blocks.append(section(_slack(message.report)))
    fallback = _slack(" ".join([message.title, *message.what]))
    return {"text": fallback, "blocks": blocks, "crisis_kit": message.as_json()}


def _feishu_card(message: ChatMessage) -> dict[str, Any]:
    def div(text: str) -> dict[str, Any]:
        return {"tag": "div", "text": {"tag": "plain_text", "content": text}}

    head = list(message.what)
    if message.kind:
        head.append(f"{message.kind_label} {message.kind}")
    elements: list[dict[str, Any]] = [div("\n".join(head))]
    if message.topic:
        elements += [{"tag": "hr"}, div(message.topic + (f"\n“{message.quote}”" if message.quote else ""))]
    if message.steps:
        elements += [{"tag": "hr"},
                     div("\n".join([str(message.steps_title), *(f"• {s.text}" for s in message.steps)]))]
    if message.window:
        elements.append({"tag": "note", "elements": [{"tag": "plain_text", "content": message.window}]})
    if message.report_url:
        elements.append({"tag": "action", "actions": [{
            "tag": "button", "type": "primary", "url": message.report_url,
            "text": {"tag": "plain_text", "content": message.open_report}}]})
    elif message.report:
        elements.append(div(message.report))
    template = {"start": "red", "kind": "orange", "digest": "orange", "clear": "green"}[message.event]
    return {"msg_type": "interactive", "card": {
        "config": {"wide_screen_mode": True},
        "header": {"template": template, "title": {"tag": "plain_text", "content": message.title}},
        "elements": elements,
    }}


def _markdown_lines(message: ChatMessage, mentions: bool, bullet: str) -> list[str]:
    lines = [f"### {_markdown(message.title)}", ""]
    lines += [f"{_markdown(line)}  " for line in message.what]
    if message.kind:
        lines.append(f"**{_markdown(message.kind_label)}** {_markdown(message.kind)}")
    if message.topic:
        lines += ["", _markdown(message.topic)]
        if message.quote:
            lines += ["", f"> {_markdown(message.quote)}", ""]
    if message.steps:
        lines += ["", f"**{_markdown(str(message.steps_title))}**", ""]
        for step in message.steps:
            at = f" @{step.owner_mobile}" if mentions and step.owner_mobile else ""
            lines.append(f"{bullet}{_markdown(step.text)}{at}")
    if message.window:
        lines += ["", _markdown(message.window)]
    if message.report_url:
        lines += ["", f"[{_markdown(message.open_report)}]({message.report_url})"]
    elif message.report:
        lines += ["", _markdown(message.report)]
    return lines


def _wecom_markdown(message: ChatMessage) -> dict[str, Any]:
    # WeCom's markdown has no lists: a bullet character instead.
    lines = _markdown_lines(message, mentions=False, bullet="• ")
    content = "\n".join(lines)
    # Over WeCom's limit: drop the steps' and the topic's detail lines from the end,
    # keeping the title, what happened and the report.
    while len(content.encode("utf-8")) > WECOM_MARKDOWN_BYTES and len(lines) > 4:
        lines.pop(-3)
        content = "\n".join(lines)
    return {"msgtype": "markdown", "markdown": {"content": content.encode("utf-8")[
        :WECOM_MARKDOWN_BYTES].decode("utf-8", "ignore")}}


def _dingtalk_markdown(message: ChatMessage) -> dict[str, Any]:
    return {"msgtype": "markdown",
            "markdown": {"title": message.title, "text": "\n".join(_markdown_lines(message, True, "- "))},
            "at": {"atMobiles": list(message.mobiles), "isAtAll": False}}


def _text(message: ChatMessage, format: str) -> dict[str, Any]:
    plain = _plain_quote(message)
    text = plain.text()
    if format == "slack":
        return {"text": _slack(text), "crisis_kit": message.as_json()}
    if format == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    if format == "dingtalk":
        mentions = " ".join(f"@{m}" for m in message.mobiles)
        return {"msgtype": "text", "text": {"content": f"{text}\n{mentions}".rstrip()},
                "at": {"atMobiles": list(message.mobiles), "isAtAll": False}}
    return {"msgtype": "text", "text": {"content": text,
                                        "mentioned_mobile_list": list(message.mobiles)}}


def payload(message: ChatMessage, format: str, style: str = "rich") -> dict[str, Any]:
    """The JSON body of ``message`` for one platform.

    Parameters
    ----------
    message : ChatMessage
        What to say (:func:`crisis_kit.monitor.notice.compose`).
    format : {"slack", "feishu", "dingtalk", "wecom"}
        The platform.
    style : {"rich", "text"}
        The platform's rich shape, or plain text.

    Raises
    ------
    ValueError
        An unknown ``format`` or ``style``.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    if style == "text" and format in ("slack", "feishu", "dingtalk", "wecom"):
        return _text(message, format)
    rich = {"slack": _slack_blocks, "feishu": _feishu_card, "dingtalk": _dingtalk_markdown,
            "wecom": _wecom_markdown}.get(format)
    if rich is None:
        raise ValueError(f"format must be slack, feishu, dingtalk or wecom, got {format!r}")
    return rich(message)
