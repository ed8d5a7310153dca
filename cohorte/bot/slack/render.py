"""Neutral replies and forms as Block Kit: sections, buttons, modals.

Reply text carries one piece of markup, the bot's `*bold*`, which is Slack
mrkdwn already; `&`, `<` and `>` are escaped so that nobody's text can become
a link or a mention. People's words (marked literal, see
`cohorte.locales.markup`) are never formatted: mrkdwn has no escape for `*`,
`_`, `~` and backticks, so each of them gets an invisible word joiner on both
sides, and a star or underscore that touches a letter no longer starts or ends
bold, italics, strike-through or code (web addresses are left alone: Slack
links them first). The core speaks of commands as `/zona`; on Slack every
command is a subcommand of `/cohorte`, so known command names in the bot's own
words are rewritten to `/cohorte zona`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cohorte.handlers.core.messages import Button, FieldKind, Form, Reply
from cohorte.locales import Translator
from cohorte.locales.markup import render

SLASH_COMMAND = "/cohorte"
SECTION_LIMIT = 3000  # characters of a section's text
MAX_BLOCKS = 50  # per message
ACTIONS_LIMIT = 25  # elements per actions block
BUTTON_LABEL_LIMIT = 75
MODAL_TITLE_LIMIT = 24
OPTION_LIMIT = 100
OPTION_LABEL_LIMIT = 75
OPTION_VALUE_LIMIT = 150
INPUT_LIMIT = 3000

# Action ids: core buttons are "cohorte.<row>.<column>" (unique within a message).
BUTTON_ACTION = "cohorte"
# "Open the form" button shown where Slack gave us no trigger_id to open a modal.
OPEN_FORM_ACTION = "cohorte-form"
FORM_CALLBACK = "cohorte-form"
FORM_ELEMENT = "value"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn and plain text fields."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# U+2060 WORD JOINER: invisible, no line break, and not a word boundary, so mrkdwn does
# not take a formatting character it stands beside for the start or the end of a span.
WORD_JOINER = "\u2060"
_FORMATTING = re.compile(r"[*_~`]")
_WEB_ADDRESS = re.compile(r"https?://\S+", re.IGNORECASE)


def literal_mrkdwn(text: str) -> str:
    """People's words in mrkdwn: escaped, and never bold, italic, struck or code."""
    out: list[str] = []
    position = 0
    for address in _WEB_ADDRESS.finditer(text):
        out.append(_neutralise(text[position : address.start()]))
        out.append(address.group())
        position = address.end()
    out.append(_neutralise(text[position:]))
    return escape("".join(out))


def _neutralise(text: str) -> str:
    return _FORMATTING.sub(lambda m: f"{WORD_JOINER}{m.group()}{WORD_JOINER}", text)


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    if limit is not None and len(text) > limit:
        cut = text[: limit - 1]
        if " " in cut[limit // 2 :]:
            cut = cut.rsplit(" ", 1)[0]  # a whole word less rather than half a word
        text = cut.rstrip() + "…"
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def mrkdwn_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


class CommandWords:
    """Rewrites '/zona' to '/cohorte zona' for every command name the router knows."""

    def __init__(self, names: Iterable[str], slash: str = SLASH_COMMAND) -> None:
        ordered = sorted({n for n in names if n}, key=len, reverse=True)
        self.slash = slash
        self._pattern = (
            re.compile(r"(?<![\w/:.@&-])/(" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")
            if ordered
            else None
        )

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: f"{self.slash} {m.group(1)}", text)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends, else at spaces.

    Never cuts inside an escaped entity such as '&amp;'.
    """
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit + 1)
            if cut <= 0:
                cut = limit
                amp = line.rfind("&", max(0, cut - 5), cut)
                if amp > 0 and ";" not in line[amp:cut]:
                    cut = amp
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


@dataclass(frozen=True)
class SlackMessage:
    """One chat message: the notification text and its blocks."""

    text: str
    blocks: list[Block]


class Renderer:
    """Renders replies for Slack with the router's command names."""

    def __init__(self, command_names: Iterable[str]) -> None:
        self.commands = CommandWords(command_names)

    def text(self, text: str) -> str:
        """Reply text as mrkdwn: escaped, the bot's bold and commands in their Slack form,
        people's words as they typed them."""
        return render(
            text,
            markup=lambda words: self.commands(escape(words)),
            literal=literal_mrkdwn,
            bold=lambda inner: f"*{inner}*",
        )

    def messages(self, reply: Reply) -> list[SlackMessage]:
        """The reply's text (split when long) and buttons; empty if it has neither."""
        body = self.text(reply.text)
        mentions = " ".join(f"<@{uid}>" for uid in reply.mentions if _USER_ID.match(uid))
        if mentions:
            body = f"{mentions} {body}" if body else mentions
        blocks = [mrkdwn_section(piece) for piece in split_text(body) if piece.strip()]
        actions = button_blocks(reply.buttons)
        if not blocks and not actions:
            return []
        messages: list[SlackMessage] = []
        current: list[Block] = []
        for block in [*blocks, *actions]:
            if len(current) == MAX_BLOCKS:
                messages.append(_message(current))
                current = []
            current.append(block)
        messages.append(_message(current))
        return messages

    def caption(self, caption: str) -> str | None:
        return self.text(caption)[:SECTION_LIMIT] or None


def _message(blocks: list[Block]) -> SlackMessage:
    fallback = ""
    for block in blocks:
        if block["type"] == "section":
            fallback = block["text"]["text"]
            break
        if block["type"] == "actions":
            fallback = " · ".join(e["text"]["text"] for e in block["elements"])
            break
    return SlackMessage(fallback, blocks)


def button_blocks(rows: tuple[tuple[Button, ...], ...]) -> list[Block]:
    blocks: list[Block] = []
    for r, row in enumerate(rows):
        for start in range(0, len(row), ACTIONS_LIMIT):
            elements = [
                {
                    "type": "button",
                    "text": plain(button.label, BUTTON_LABEL_LIMIT),
                    "value": button.payload,
                    "action_id": f"{BUTTON_ACTION}.{r}.{c}",
                }
                for c, button in enumerate(row[start : start + ACTIONS_LIMIT], start)
            ]
            if elements:
                blocks.append(
                    {"type": "actions", "block_id": f"row{r}.{start}", "elements": elements}
                )
    return blocks


def open_form_button(t: Translator, command_text: str) -> Block:
    """A button that runs the same command again, this time with a trigger to open the modal."""
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": plain(t._("Open the form"), BUTTON_LABEL_LIMIT),
                "value": command_text,
                "action_id": OPEN_FORM_ACTION,
                "style": "primary",
            }
        ],
    }


# -- modals ---------------------------------------------------------------------


@dataclass(frozen=True)
class FormOrigin:
    """Where a modal was opened, so that the answers to its submission go back there.

    Kept in the view's `private_metadata`, which Slack stores and returns with
    the submission without showing it to the client.
    """

    submit: str
    channel_id: str | None
    private: bool
    language: str

    def dump(self) -> str:
        return json.dumps(
            {"s": self.submit, "c": self.channel_id, "p": self.private, "l": self.language}
        )

    @classmethod
    def load(cls, text: str) -> FormOrigin | None:
        try:
            data = json.loads(text)
            submit, channel = data["s"], data.get("c")
            if not isinstance(submit, str) or not (channel is None or isinstance(channel, str)):
                return None
            return cls(submit, channel, bool(data.get("p")), str(data.get("l") or ""))
        except (ValueError, TypeError, KeyError):
            return None


def form_view(form: Form, t: Translator, origin: FormOrigin, intro: str = "") -> Block:
    """The modal for a form: its introduction (mrkdwn), then one input block per field."""
    blocks: list[Block] = [mrkdwn_section(piece) for piece in split_text(intro) if piece.strip()]
    for field in form.fields:
        element: Block
        if field.kind is FieldKind.CHOICE:
            element = {
                "type": "static_select",
                "action_id": FORM_ELEMENT,
                "placeholder": plain(t._("Choose an option"), 150),
                "options": [
                    {"text": plain(label, OPTION_LABEL_LIMIT), "value": value[:OPTION_VALUE_LIMIT]}
                    for value, label in field.choices[:OPTION_LIMIT]
                ],
            }
        else:
            element = {
                "type": "plain_text_input",
                "action_id": FORM_ELEMENT,
                "multiline": field.kind is FieldKind.LONG_TEXT,
                "max_length": max(1, min(field.max_length, INPUT_LIMIT)),
            }
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "optional": not field.required,
                "label": plain(field.label, 2000),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": origin.dump(),
        "title": plain(form.title, MODAL_TITLE_LIMIT),
        "submit": plain(t._("Send"), MODAL_TITLE_LIMIT),
        "close": plain(t._("Cancel"), MODAL_TITLE_LIMIT),
        "blocks": blocks,
    }


def read_submission(view: dict[str, Any], t: Translator) -> tuple[dict[str, str], dict[str, str]]:
    """The answers of a submitted modal by field name, and the errors to show per field.

    Checked against the view as Slack returns it (it carries the fields'
    definitions): required answers, maximum lengths, choices that exist.
    """
    state = (view.get("state") or {}).get("values") or {}
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        name = str(block.get("block_id", ""))
        element = block.get("element") or {}
        entry = (state.get(name) or {}).get(FORM_ELEMENT) or {}
        if element.get("type") == "static_select":
            value = str((entry.get("selected_option") or {}).get("value") or "")
            allowed = {str(option.get("value")) for option in element.get("options") or []}
            if value and value not in allowed:
                errors[name] = t._("Please choose one of the options.")
        else:
            value = str(entry.get("value") or "").strip()
            limit = element.get("max_length")
            if isinstance(limit, int) and len(value) > limit:
                errors[name] = t._(
                    "That answer is too long ({length} characters); the limit is {limit}.",
                    length=len(value),
                    limit=limit,
                )
        if not value and not block.get("optional", False):
            errors[name] = t._("This question needs an answer.")
        values[name] = value
    return values, errors
