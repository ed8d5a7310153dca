"""The console chat: a real adapter for one terminal, interactive or scripted.

Lines starting with ':' steer the console (who you are, which chat, the clock,
buttons); anything else is a message from the current person in the current
chat, exactly as Slack or Telegram would deliver it. Files the bot sends (the
dashboard picture, the calendar, CSV exports) are saved in one folder and the
console prints where; it opens none of them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from cohorte.handlers.core.messages import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    AttachmentMissing,
    Button,
    ChatKind,
    Direct,
    Group,
    Here,
    Incoming,
    Reply,
    attachment_problem,
)
from cohorte.handlers.core.platforms import PlatformTraits
from cohorte.handlers.core.router import Core
from cohorte.handlers.lang.text import fold
from cohorte.locales import Translator
from cohorte.locales.markup import plain
from cohorte.scheduling.clock import ManualClock, parse_instant
from cohorte.scheduling.outbox import Gate, SendOutcome, open_gate
from cohorte.scheduling.ticker import Ticker
from cohorte.storage.models import Platform

logger = logging.getLogger(__name__)

# The console can write to anyone; a person's private chat is named after them; forms are
# asked one question at a time.
CONSOLE_TRAITS = PlatformTraits(can_write_first=True, modal_forms=False, private_chat_is_user=True)
DEFAULT_ROOM = "sala"
_STEP = re.compile(r"^\+(\d{1,4})\s*(m|min|h|d|s|w)$")
_STEP_UNITS = {
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "s": timedelta(weeks=1),  # semana
    "w": timedelta(weeks=1),
}
_NAME = re.compile(r"^[\w.\-]{1,32}$")
# Where the files the bot sends are saved, unless the console is told another folder.
DEFAULT_FILES = Path("cohorte-archivos")
_SEPARATORS = re.compile(r"[/\\]+")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._]+")  # a run of anything else (dashes too) -> "-"
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")
_MAX_FILE_NAME = 120


class ConsoleInputError(Exception):
    """A console line that cannot be acted on; carries the message to show."""


@dataclass
class ConsoleChat:
    """One console session: the people you act as, the chats, the clock."""

    core: Core
    clock: ManualClock
    write: Callable[[str], None]
    home_zone: str = "America/Bogota"
    room: str = DEFAULT_ROOM
    actor: str = "invitado"
    in_group: bool = False
    # The console's own lines are plain terminal text: nothing in them is marked.
    t: Translator = field(default_factory=lambda: Translator(markup=False))
    # Runs the scheduler whenever the clock moves, so reminders fire in the console.
    ticker: Ticker | None = None
    # Where the files the bot sends are saved (created with the first one).
    files: Path = DEFAULT_FILES
    # Called with the clock's new instant each time it is set, to keep it for next time.
    on_clock: Callable[[datetime], Awaitable[None]] | None = None
    _buttons: dict[str, list[Button]] = field(default_factory=dict)
    _saved: set[str] = field(default_factory=set)

    @property
    def messenger(self) -> ConsoleMessenger:
        return ConsoleMessenger(self)

    # -- what the console shows -------------------------------------------------

    @property
    def prompt(self) -> str:
        where = f"#{self.room}" if self.in_group else self.t._("private")
        return f"{self.actor} ({where})> "

    def _chat_key(self, group: bool, user: str) -> str:
        return f"#{self.room}" if group else f"@{user}"

    def show_replies(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.show(reply)

    def show(self, reply: Reply) -> None:
        """Print one reply the way its reader(s) would see it."""
        match reply.to:
            case Here():
                target = self._chat_key(self.in_group, self.actor)
            case Direct(platform=Platform.CONSOLE, user_id=user_id):
                target = f"@{user_id}"
            case Group(platform=Platform.CONSOLE, chat_id=chat_id):
                target = f"#{chat_id}"
            case _:
                return  # meant for another platform
        logger.info("console message to %s (%d characters)", target, len(reply.text))
        label = target
        if reply.ephemeral and target.startswith("#"):
            label += " " + self.t._("(only {name} sees it)", name=self.actor)
        # People's words show as they typed them, beside the bot's `*bold*` stars.
        lines = plain(reply.text).splitlines() or [""]
        self.write(f"  bot → {label}: {lines[0]}")
        for line in lines[1:]:
            self.write(f"    {line}" if line else "")
        buttons = [button for row in reply.buttons for button in row]
        if buttons:
            self._buttons[target] = buttons
            numbered = "  ".join(f"[{i}] {b.label}" for i, b in enumerate(buttons, 1))
            self.write(f"    {numbered}")
        for attachment in (reply.image, reply.file):
            if attachment is not None:
                self.write(self._save(attachment.filename, attachment.data))

    def files_notice(self) -> str:
        """The line that names the folder, printed when the console starts."""
        return self.t._(
            "Files the bot sends are saved in {folder} (the console opens none of them).",
            folder=f"{self.files}{os.sep}",
        )

    def _save(self, filename: str, data: bytes) -> str:
        """Save one file the bot sent in the folder; the line that says where (or why not).

        The name comes from data, so it is made safe first; a name already saved in
        this session gets a number (a second /tablero the same day keeps the first),
        while a file left by an earlier session is replaced, so a replayed script
        prints the same paths.
        """
        name = safe_filename(filename)
        stem, extension = _split_extension(name)
        number = 1
        while name in self._saved:
            number += 1
            name = f"{stem}-{number}{extension}"
        path = self.files / name
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            _write_file(path, data)
        except OSError as error:
            logger.warning("console could not save %s: %s", path, error)
            return "  ! " + self.t._(
                "Could not save {name} in {folder}: {reason}.",
                name=name,
                folder=str(self.files),
                reason=error.strerror or type(error).__name__,
            )
        self._saved.add(name)
        logger.info("console saved %s (%d bytes)", path, len(data))
        return f"    📎 {path}"

    # -- reading lines ----------------------------------------------------------

    async def feed(self, line: str) -> bool:
        """Act on one line; False when the person asked to quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        try:
            if line.startswith(":"):
                return await self._meta(line[1:])
            await self._send(text=line)
        except ConsoleInputError as error:
            self.write(f"  ! {error}")
        return True

    async def _send(
        self, text: str = "", payload: str | None = None, attachment: Attachment | None = None
    ) -> None:
        incoming = Incoming(
            platform=Platform.CONSOLE,
            sender_id=self.actor,
            sender_name=self.actor.capitalize(),
            chat_id=self.room if self.in_group else self.actor,
            chat_kind=ChatKind.GROUP if self.in_group else ChatKind.PRIVATE,
            text=text,
            payload=payload,
            attachment=attachment,
        )
        self.show_replies(await self.core.handle(incoming))

    async def _meta(self, line: str) -> bool:
        word, _, rest = line.strip().partition(" ")
        word, rest = fold(word), rest.strip()
        if word in ("salir", "quit", "exit", "q"):
            return False
        if word in ("como", "as"):
            self._become(rest)
        elif word in ("grupo", "group"):
            self.in_group = True
            if rest:
                self._check_name(rest)
                self.room = rest
        elif word in ("privado", "private"):
            self.in_group = False
        elif word in ("boton", "b", "button"):
            await self._press(rest)
        elif word in ("reloj", "clock"):
            if rest:
                await self.set_clock(self._clock_after(rest))
                await self.tick()
            else:
                self._show_clock()
        elif word in ("archivo", "file"):
            await self._send_file(rest)
        elif word in ("ayuda", "help", "?"):
            self.write(self.help_text())
        else:
            raise ConsoleInputError(
                self.t._("Unknown console command :{word}. Type :ayuda.", word=word[:20])
            )
        return True

    async def _send_file(self, rest: str) -> None:
        """`:archivo RUTA [TEXTO]`: send a local file to the bot, as a person would attach it
        in a chat, with the rest of the line as its caption (a session's code). The file is
        read only if the platforms' rule lets it be downloaded (size, kind)."""
        path_text, _, caption = rest.partition(" ")
        if not path_text:
            raise ConsoleInputError(self.t._("Write the file's path: :archivo RUTA [CODIGO]."))
        try:
            name, size, data, problem = await asyncio.to_thread(_read_local_file, path_text)
        except OSError as error:
            raise ConsoleInputError(
                self.t._(
                    "Could not read {path}: {reason}.",
                    path=path_text[:200],
                    reason=error.strerror or type(error).__name__,
                )
            ) from error
        self.write(f"  📎 {name} ({size} B)")
        attachment = Attachment(name, size, data, problem)
        await self._send(text=caption.strip(), attachment=attachment)

    async def tick(self) -> None:
        if self.ticker is not None:
            await self.ticker.tick()

    def _check_name(self, name: str) -> None:
        if not _NAME.match(name):
            raise ConsoleInputError(
                self.t._("Names are one word of letters, digits, '.', '-' or '_' (max. 32).")
            )

    def _become(self, name: str) -> None:
        self._check_name(name)
        self.actor = name.lower()
        self.write("  " + self.t._("Now you are {name}.", name=self.actor))

    async def _press(self, which: str) -> None:
        buttons = self._buttons.get(self._chat_key(self.in_group, self.actor), [])
        if not buttons:
            raise ConsoleInputError(self.t._("There are no buttons in this chat yet."))
        chosen: Button | None = None
        if which.isdigit() and 1 <= int(which) <= len(buttons):
            chosen = buttons[int(which) - 1]
        elif which:
            matches = [b for b in buttons if _label_key(b.label).startswith(_label_key(which))]
            chosen = matches[0] if len(matches) == 1 else None
        if chosen is None:
            raise ConsoleInputError(
                self.t._(
                    "Choose a button by its number (1 to {n}) or by its label.", n=len(buttons)
                )
            )
        self.write(f"  [{chosen.label}]")
        await self._send(payload=chosen.payload)

    async def set_clock(self, instant: datetime, show: bool = True) -> None:
        """Set the clock (an aware instant), show it (unless `show` is False) and keep it
        for the next console session."""
        self.clock.set(instant)
        if show:
            self._show_clock()
        if self.on_clock is not None:
            await self.on_clock(self.clock.now())

    def _clock_after(self, when: str) -> datetime:
        """The instant a `:reloj` line asks for: a step ahead, or a time in the home zone."""
        step = _STEP.match(fold(when))
        if step:
            return self.clock.now() + int(step.group(1)) * _STEP_UNITS[step.group(2)]
        try:
            return parse_instant(when, self.home_zone)  # the same reading as --reloj
        except ValueError as error:
            raise ConsoleInputError(
                self.t._(
                    "Write the clock as :reloj 2025-04-22 09:00 or move it with "
                    ":reloj +1d (m, h, d, s for weeks)."
                )
            ) from error

    def _show_clock(self) -> None:
        self.write("  🕒 " + self.t.when(self.clock.now(), self.home_zone))

    def help_text(self) -> str:
        t = self.t
        return "\n".join(
            [
                t._("Console lines:"),
                "  :como NOMBRE    " + t._("act as that person (their console name)"),
                "  :grupo [SALA]   " + t._("talk in the cohort's group chat (default: sala)"),
                "  :privado        " + t._("talk privately with the bot"),
                "  :b N | :b TEXTO " + t._("press button N (or by label) of the last message"),
                "  :reloj [FECHA HORA | +1d | +2h | +30m | +1s]  "
                + t._("show, set or move the clock (cohort's home time)"),
                "  :archivo RUTA [TEXTO]  "
                + t._("send a local file to the bot (a report's CSV), with a caption"),
                "  :ayuda          " + t._("this help"),
                "  :salir          " + t._("quit"),
                "  /ayuda          " + t._("what the bot can do for the current person"),
                "  # ...           " + t._("a comment (scripts)"),
            ]
        )


class Screen(Protocol):
    """Where console messages appear: the chat, or a test's transcript."""

    def show(self, reply: Reply) -> None: ...


class ConsoleMessenger:
    """Prints the messages the scheduler sends, as their readers would see them."""

    platform = Platform.CONSOLE

    def __init__(self, chat: Screen) -> None:
        self.chat = chat

    async def send(self, reply: Reply, gate: Gate = open_gate) -> SendOutcome:
        if not isinstance(reply.to, Direct | Group) or reply.to.platform != Platform.CONSOLE:
            return SendOutcome.UNREACHABLE
        await gate()
        self.chat.show(reply)
        return SendOutcome.SENT


def safe_filename(name: str) -> str:
    """A file name that came with data, safe to write inside a folder: only ASCII letters,
    digits, '.', '-' and '_', never a path, never hidden, at most 120 characters.

    '../../estado.csv' -> 'estado.csv'; 'Sprint de Contratación.ics' ->
    'Sprint-de-Contratacion.ics'; '..' -> 'archivo'.
    """
    parts = [part for part in _SEPARATORS.split(name) if part not in ("", ".", "..")]
    decomposed = unicodedata.normalize("NFKD", "-".join(parts))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    stem, extension = _split_extension(_UNSAFE_RUN.sub("-", plain))
    stem = stem.strip("-._")[: _MAX_FILE_NAME - len(extension)].rstrip("-._")
    return f"{stem or 'archivo'}{extension}"


def _split_extension(name: str) -> tuple[str, str]:
    """('tablero-2025-04-22', '.png'); an extension is a dot and 1-10 letters or digits."""
    stem, extension = os.path.splitext(name)
    return (stem, extension) if _EXTENSION.fullmatch(extension) else (name, "")


def _read_local_file(
    path_text: str,
) -> tuple[str, int, bytes | None, AttachmentMissing | None]:
    """A local file as the platforms would hand it over: name, size, and its bytes only if
    the rule for attachments lets it be downloaded (else why not). OSError if unreadable."""
    path = Path(path_text).expanduser()
    size = path.stat().st_size
    if not path.is_file():
        raise IsADirectoryError(21, "Is a directory", path_text)
    problem = attachment_problem(path.name, size)
    data = None
    if problem is None:
        with path.open("rb") as file:
            data = file.read(MAX_ATTACHMENT_BYTES + 1)
    return path.name, size, data, problem


def _write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path`, replacing a file but never following a link planted there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o644)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _label_key(label: str) -> str:
    """A button label as typed: folded, without leading icons ("🔄 En curso" -> "en curso")."""
    folded = fold(label)
    start = next((i for i, c in enumerate(folded) if c.isalnum()), len(folded))
    return folded[start:]
