"""Replies as Telegram shows them: neutral `*bold*` text as HTML (people's words escaped
and never bold, see `cohorte.locales.markup`), split at Telegram's limits, mentions as
links, buttons as inline keyboards, the command menu, toasts.

Pure functions: nothing here talks to the Bot API.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import CallbackQueryLimit, MessageLimit

from cohorte.handlers.core.messages import Button, ChatKind, File, Here, Image, Incoming, Reply
from cohorte.handlers.core.router import Router
from cohorte.locales import Translator
from cohorte.locales.markup import render, reseal, without_markup

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CAPTION = MessageLimit.CAPTION_LENGTH
MAX_TOAST = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
# Telegram command names: lower-case Latin letters, digits and underscores.
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")

# -- text: neutral `*bold*` text -> Telegram HTML ------------------------------------------

_BOLD = re.compile(r"\*(?=\S)([^*\n]*?\S)\*")
_TAG = re.compile(r"(<[^>]*>)")


def utf16_len(text: str) -> int:
    """Telegram counts message lengths in UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def to_html(text: str) -> str:
    """Telegram HTML for neutral text: everything escaped, the bot's `*bold*` as
    <b>bold</b>; people's words (marked literal) only escaped, stars and all."""
    return render(text, markup=_escape, literal=_escape, bold=lambda inner: f"<b>{inner}</b>")


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def plain_text(text: str) -> str:
    """Neutral text without its markup (callback answers show no formatting)."""
    return without_markup(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut neutral text into messages of at most `limit` characters.

    Cuts fall between lines where possible, else at a space, never inside a
    `*bold*` span that starts later in the line. Blank pieces are dropped.
    """
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            width = utf16_len(piece)
            if lines and size + 1 + width > limit:
                chunks.append("\n".join(lines))
                lines, size = [], 0
            size += width + (1 if lines else 0)
            lines.append(piece)
    if lines:
        chunks.append("\n".join(lines))
    # A cut inside people's words closes them in one message and opens them in the next.
    return [chunk.strip("\n") for chunk in reseal(chunks) if plain_text(chunk).strip()]


def _split_line(line: str, limit: int) -> list[str]:
    pieces = []
    while utf16_len(line) > limit:
        cut = _fitting_prefix(line, limit)
        space = line.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        for match in _BOLD.finditer(line):
            if 0 < match.start() < cut < match.end():
                cut = match.start()
                break
        pieces.append(line[:cut].rstrip(" "))
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def mention_link(user_id: str, name: str) -> str:
    """A Telegram mention of a person: their name, linked to their account."""
    return f'<a href="tg://user?id={user_id}">{html.escape(name, quote=False)}</a>'


def link_mentions(html_text: str, people: list[tuple[str, str]]) -> str:
    """Turn each person's name in the text into a mention; append those not named."""
    parts = _TAG.split(html_text)
    missing = []
    for user_id, name in people:
        escaped = html.escape(name, quote=False)
        in_link = False
        for index, part in enumerate(parts):
            if _TAG.fullmatch(part):
                in_link = part.startswith("<a ") or (in_link and part != "</a>")
            elif not in_link and escaped and escaped in part:
                before, _, after = part.partition(escaped)
                parts[index : index + 1] = [before, mention_link(user_id, name), after]
                break
        else:
            missing.append(mention_link(user_id, name))
    text = "".join(parts)
    if missing:
        text = f"{text}\n{', '.join(missing)}" if text else ", ".join(missing)
    return text


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Neutral buttons as an inline keyboard; the payload travels as callback data."""
    markup = [
        [InlineKeyboardButton(button.label, callback_data=button.payload) for button in row]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(markup) if markup else None


@dataclass(frozen=True)
class Part:
    """One Bot API message of a reply: text, or a photo/document with its caption."""

    html: str
    attachment: Image | File | None = None


def parts_of(reply: Reply, people: list[tuple[str, str]]) -> list[Part]:
    """The messages a reply becomes: its text in pieces of at most 4096 characters (with
    `people` linked as mentions), then each attachment with its caption."""
    attachments = [a for a in (reply.image, reply.file) if a is not None]
    captions = [a.caption for a in attachments]
    text = reply.text
    # A text that repeats, or stands in for, the first attachment's caption travels
    # as that caption: one message with the picture, not the same words twice.
    if attachments and not people and captions[0] in ("", text) and utf16_len(text) <= MAX_CAPTION:
        captions[0], text = text, ""
    # Room for the names that may be appended as mentions.
    reserve = sum(utf16_len(name) + 2 for _, name in people)
    parts = [Part(to_html(chunk)) for chunk in split_text(text, MAX_TEXT - reserve)]
    if people:
        if parts:
            parts[-1] = Part(link_mentions(parts[-1].html, people))
        else:
            parts.append(Part(link_mentions("", people)))
    for attachment, caption in zip(attachments, captions, strict=True):
        if utf16_len(caption) > MAX_CAPTION:
            parts += [Part(to_html(chunk)) for chunk in split_text(caption)]
            caption = ""
        parts.append(Part(to_html(caption), attachment))
    return parts


def menu(router: Router, language: str, *, coordinators: bool) -> list[BotCommand]:
    """The command menu in one language, from the router's commands.

    Spanish shows the first (Spanish) name, English the last name (the English
    alias, when there is one). Hidden commands, commands without a summary and
    names Telegram does not accept (accents, capitals) are left out; so are
    coordinators' (and administrators') commands unless asked for.
    """
    t = Translator(language)
    commands = []
    for command in router.commands:
        if command.hidden or not command.summary:
            continue
        if (command.coordinator_only or command.admin_only) and not coordinators:
            continue
        # The English alias is the last name: ("entregable", "entregables", "deliverable").
        # Spanish takes the first name Telegram accepts: ("estado-bot", "estado_bot", ...).
        spanish = command.names[:-1] or command.names
        names = [command.names[-1]] if language == "en" else spanish
        name = next((n for n in names if _COMMAND_NAME.fullmatch(n)), None)
        if name is None:
            continue
        description = plain_text(t._(command.summary))[:256]
        commands.append(BotCommand(name, description))
    return commands


def take_toast(incoming: Incoming, replies: list[Reply]) -> tuple[str | None, list[Reply]]:
    """In a group, a short reply only the presser should see becomes the button's toast."""
    if incoming.chat_kind is not ChatKind.GROUP:
        return None, replies
    for index, reply in enumerate(replies):
        text = plain_text(reply.text)
        if (
            reply.ephemeral
            and isinstance(reply.to, Here)
            and not reply.buttons
            and reply.image is None
            and reply.file is None
            and 0 < utf16_len(text) <= MAX_TOAST
        ):
            return text, [*replies[:index], *replies[index + 1 :]]
    return None, replies
