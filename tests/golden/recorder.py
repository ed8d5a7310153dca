"""A whole sprint played through the real core, written down as a readable transcript.

`Sprint` speaks for the people of the story the way the console adapter does
(`Incoming` objects into `Core.handle`), writes down every `Reply` they get
back and every message the scheduler sends (through a `Messenger` of its own
for the console platform), and moves a frozen clock forward, running the
scheduler on the way (see `Sprint.until`).

It leans on what a restructure keeps: the composition root's `Assembly` (core,
ticker, messengers), `Core.handle`, the neutral message model and the
`ManualClock`. One outbox query (`next_wake`, the engine's own) says when the
next message falls due, so that quiet days pass in one step.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from cohorte.bot.bootstrap import Assembly
from cohorte.bot.console import ConsoleMessenger
from cohorte.handlers.core.messages import Button, ChatKind, Direct, Group, Here, Incoming, Reply
from cohorte.locales.markup import CLOSE, OPEN, plain
from cohorte.scheduling.clock import ManualClock
from cohorte.storage.models import Platform
from cohorte.storage.outbox import next_wake

GROUP_ROOM = "sala"
HOME_ZONE = ZoneInfo("America/Bogota")
# The scheduler plans on working days at this hour in Bogotá (Monday's digest is due
# then), and once more a live tick later: what enters the planning horizon at 09:00
# sharp (a session at 10:00 a week and an hour ahead) is only seen after that moment.
DAILY_PLAN = time(9, 0)
LAGS = (timedelta(0), timedelta(seconds=30))
# A whole sprint in steps must end: more than this is a loop.
MAX_STEPS = 5000


@dataclass
class Character:
    """One person of the story: their console name and what the story has set so far."""

    name: str
    display: str
    locale: str = "es"
    zone: str = "—"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.locale}, {self.zone})"


@dataclass
class Sprint:
    assembly: Assembly
    clock: ManualClock
    people: dict[str, Character] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    # The buttons of every message in each chat ("grupo" or a person's name), newest last:
    # as on a phone, an earlier message's buttons can still be pressed.
    _buttons: dict[str, list[list[Button]]] = field(default_factory=dict)
    steps: int = 0
    # Someone spoke since the scheduler last planned: the live bot would plan within 30 s.
    _spoken: bool = False

    def __post_init__(self) -> None:
        self.assembly.messengers[Platform.CONSOLE] = ConsoleMessenger(self)

    # -- the people -----------------------------------------------------------------

    def person(self, name: str, display: str, locale: str = "es") -> Character:
        """Someone of the story: `name` is their console identity, `display` their name."""
        character = Character(name, display, locale)
        self.people[name] = character
        return character

    async def say(
        self,
        name: str,
        text: str,
        *,
        group: bool = False,
        zone: str | None = None,
        locale: str | None = None,
    ) -> None:
        """`name` writes `text` in their private chat (or the group); the story's
        notion of their zone or language changes afterwards when given."""
        self._write_in(name, text, group)
        await self._handle(name, group, text=text)
        self._update(name, zone, locale)

    async def press(
        self,
        name: str,
        label: str,
        *,
        group: bool = False,
        zone: str | None = None,
        locale: str | None = None,
    ) -> None:
        """`name` presses the button labelled `label` (or starting with it) of the newest
        message in that chat that has one."""
        chat = "grupo" if group else name
        button = _find_button(self._buttons.get(chat, []), label)
        if button is None:
            raise AssertionError(f"{name}: no button {label!r} in {chat}")
        self._write_in(name, f"[{button.label} | {button.payload}]", group)
        await self._handle(name, group, payload=button.payload)
        self._update(name, zone, locale)

    def note(self, text: str) -> None:
        """A line of the story (a chapter's heading, what is about to happen)."""
        self.lines.append("")
        self.lines.append(f"## {text}")

    def operator(self, command: str, output: str) -> None:
        """What the operator typed in a shell and what it printed."""
        self.lines.append(f"{self._stamp()} operador $ {command}")
        self.lines.extend(_indented(output.rstrip("\n").splitlines() or [""]))

    def _update(self, name: str, zone: str | None, locale: str | None) -> None:
        character = self.people[name]
        if zone is not None:
            character.zone = zone
        if locale is not None:
            character.locale = locale

    def _write_in(self, name: str, what: str, group: bool) -> None:
        where = " en grupo" if group else ""
        self.lines.append(f"{self._stamp()} {self.people[name].label}{where} -> {what}")

    async def _handle(
        self, name: str, group: bool, text: str = "", payload: str | None = None
    ) -> None:
        self._spoken = True
        incoming = Incoming(
            platform=Platform.CONSOLE,
            sender_id=name,
            sender_name=self.people[name].display,
            chat_id=GROUP_ROOM if group else name,
            chat_kind=ChatKind.GROUP if group else ChatKind.PRIVATE,
            text=text,
            payload=payload,
        )
        for reply in await self.assembly.core.handle(incoming):
            self.show(reply, here=("grupo" if group else name), asker=name)

    # -- what people receive ----------------------------------------------------------

    def show(self, reply: Reply, here: str | None = None, asker: str | None = None) -> None:
        """Write `reply` down as its reader sees it; `here` is the chat it answers."""
        match reply.to:
            case Here():
                assert here is not None, "a scheduled message cannot go 'here'"
                chat = here
            case Group(platform=Platform.CONSOLE, chat_id=chat_id):
                chat = "grupo" if chat_id == GROUP_ROOM else f"grupo {chat_id}"
            case Direct(platform=Platform.CONSOLE, user_id=user_id):
                chat = user_id
            case (
                Group(platform=platform, chat_id=chat_id)
                | Direct(platform=platform, user_id=chat_id)
            ):
                chat = f"{platform}:{chat_id}"
        label = chat
        if reply.ephemeral and chat.startswith("grupo"):
            label += f" (solo {asker})"
        # Reply text and captions mark people's words (cohorte.locales.markup); shown plain.
        text = plain(reply.text).splitlines() or [""]
        self.lines.append(f"{self._stamp()} {label} <- {text[0]}")
        body = text[1:]
        buttons = [button for row in reply.buttons for button in row]
        if buttons:
            self._buttons.setdefault(chat, []).append(buttons)
            for row in reply.buttons:
                body.append("  ".join(f"[{b.label} | {b.payload}]" for b in row))
        if reply.key is not None:
            body.append(f"(clave de edición: {reply.key})")
        if reply.mentions:
            body.append("(menciona: " + ", ".join(reply.mentions) + ")")
        if reply.form is not None:
            body.append(f"(formulario: {reply.form.title} · {reply.form.submit})")
            body.extend(f"  - {f.name}: {f.label}" for f in reply.form.fields)
        if reply.image is not None:
            image = reply.image
            body.append(f"📎 imagen {image.filename} ({_png_size(image.data)})")
            if image.caption:
                body.extend(_indented(plain(image.caption).splitlines(), "   "))
        if reply.file is not None:
            file = reply.file
            content = _file_text(file.data)
            # A text file is shown whole; a PDF by its page count (its bytes vary with
            # reportlab and matplotlib, as a PNG's do); another binary one by its size.
            if content:
                size = ""
            elif file.mime_type == "application/pdf":
                size = f", {len(PdfReader(io.BytesIO(file.data)).pages)} páginas"
            else:
                size = f", {len(file.data)} bytes"
            body.append(f"📎 archivo {file.filename} ({file.mime_type}{size})")
            if file.caption:
                body.extend(_indented(plain(file.caption).splitlines(), "   "))
            body.extend(content)
        self.lines.extend(_indented(body))

    # -- the clock --------------------------------------------------------------------

    def _stamp(self) -> str:
        now = self.clock.now()
        # Seconds only when there are some (the poll tally is refreshed 30 s after a vote).
        shown = f"{now:%Y-%m-%d %H:%M:%S}" if now.second else f"{now:%Y-%m-%d %H:%M}"
        return f"[{shown} UTC]"

    async def until(self, local: str) -> None:
        """Move the clock to `local` (Bogotá wall-clock time, 'AAAA-MM-DD HH:MM').

        On the way the scheduler plans (every planner, then a drain) now if someone
        spoke since it last did, on working days at 09:00 in Bogotá (twice, 30 s
        apart) and at `local`; in between, the delivery engine drains at every
        moment a message falls due, as the live engine wakes for it. The live bot
        plans every 30 s; planning once a day keeps a whole sprint within seconds,
        and a story that needs a planner at a given moment (a poll's deadline)
        moves the clock to it.
        """
        target = _utc(local)
        if target < self.clock.now():
            raise AssertionError(f"the story goes back in time: {local}")
        ticker = self.assembly.ticker
        if self._spoken:
            await self.tick()
        while (now := self.clock.now()) < target:
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise AssertionError("the scheduler keeps finding work: a loop?")
            plan_at = _next_daily_plan(now)
            async with ticker.sessions() as session:
                due = await next_wake(session, now, ticker.engine.name)
            moment = min(m for m in (due, plan_at, target) if m is not None)
            self.clock.set(moment)
            if moment in (plan_at, target):
                await self.tick()
            else:
                await ticker.engine.drain()

    async def tick(self) -> None:
        """Run the scheduler once at the current moment: plan, then send what is due."""
        self._spoken = False
        await self.assembly.ticker.tick()

    def text(self) -> str:
        """The transcript so far, without trailing spaces (editors would strip them)."""
        # Anywhere else (labels, files, the CLI) a mark is a leak: plain text has none.
        leaks = [line for line in self.lines if OPEN in line or CLOSE in line]
        if leaks:
            raise AssertionError(f"people's-words marks leaked into plain text: {leaks[:3]!r}")
        return "\n".join(line.rstrip() for line in self.lines).strip("\n") + "\n"

    def cut(self) -> str:
        """The transcript so far (a chapter), leaving the recorder empty."""
        text = self.text()
        self.lines.clear()
        return text


def _utc(local: str) -> datetime:
    moment = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=HOME_ZONE)
    return moment.astimezone(UTC)


def _next_daily_plan(now: datetime) -> datetime:
    """The next of the working days' planning moments (09:00 in Bogotá and 30 s later)."""
    local = now.astimezone(HOME_ZONE)
    day = local.date()
    while True:
        if day.weekday() < 5:
            for moment in (datetime.combine(day, DAILY_PLAN, HOME_ZONE) + lag for lag in LAGS):
                if moment > local:
                    return moment.astimezone(UTC)
        day += timedelta(days=1)


def _without_timezones(lines: list[str]) -> list[str]:
    """An .ics file with its VTIMEZONE blocks named in one line instead: icalendar writes
    them from the tz database (its version shows) and in no fixed order."""
    kept: list[str] = []
    zones: list[str] = []
    at: int | None = None
    inside = False
    for line in lines:
        if line == "BEGIN:VTIMEZONE":
            inside = True
            at = len(kept) if at is None else at
        elif line == "END:VTIMEZONE":
            inside = False
        elif inside and line.startswith("TZID:"):
            zones.append(line.removeprefix("TZID:"))
        elif not inside:
            kept.append(line)
    if at is not None:
        kept.insert(at, f"(VTIMEZONE {', '.join(sorted(zones))}: bloques omitidos)")
    return kept


def _find_button(messages: list[list[Button]], label: str) -> Button | None:
    for buttons in reversed(messages):
        exact = [b for b in buttons if b.label == label]
        found = exact or [b for b in buttons if b.label.startswith(label)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise AssertionError(f"several buttons start with {label!r}: {found}")
    return None


def _indented(lines: list[str], prefix: str = "    ") -> list[str]:
    return [prefix + line if line else "" for line in lines]


def _png_size(data: bytes) -> str:
    """'PNG 1200×800' from the header; never the bytes (they vary with matplotlib)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return f"no es PNG, {len(data)} bytes"
    width, height = struct.unpack(">II", data[16:24])
    return f"PNG {width}×{height}"


def _file_text(data: bytes) -> list[str]:
    """A text file's lines, marked with '| ' (CSV, .ics); binary files are not shown."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return []
    bom = " (con BOM)" if data.startswith(b"\xef\xbb\xbf") else ""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if lines[:1] == ["BEGIN:VCALENDAR"]:
        lines = _without_timezones(lines)
    return [f"--- contenido{bom}, {len(lines)} líneas ---", *("| " + line for line in lines)]
