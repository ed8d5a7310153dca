"""The neutral message model: what adapters hand to the core and get back.

Adapters turn a platform event into an `Incoming`; handlers answer with
`Reply` objects that adapters render natively (inline keyboards / Block Kit,
photos / file uploads, ...). Nothing here knows any platform library.

Reply text (and a picture's or file's caption) is text with one piece of
markup, the bot's own `*bold*`, and people's words marked as literal
(`cohorte.locales.markup`): adapters format the bot's bold and show people's
words exactly as typed, escaped for their platform (Telegram HTML, Slack
mrkdwn). Button labels and forms are plain text: their marks are dropped here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from cohorte.locales.markup import plain
from cohorte.scheduling.outbox import Gate, SendOutcome, open_gate
from cohorte.storage.models import Platform

# Telegram limits callback data to 64 bytes; every payload must fit.
MAX_PAYLOAD_BYTES = 64


class ChatKind(StrEnum):
    """Where a message was written: a private chat with the bot or a group chat."""

    PRIVATE = "private"
    GROUP = "group"


class ChatEvent(StrEnum):
    """Something that happened in a chat, rather than something somebody wrote there."""

    # The bot was added to a group chat (`Incoming.sender_id`: who added it).
    BOT_JOINED = "bot_joined"


# Our own limit for a file people send to the bot (a participant report is ~50 kB); the
# platforms allow far more (Telegram's bots download up to 20 MB).
MAX_ATTACHMENT_BYTES = 1024 * 1024
# What the bot reads from files people send: CSV (and plain text, as some tools save it).
READABLE_EXTENSIONS = (".csv", ".txt", ".tsv")


class AttachmentMissing(StrEnum):
    """Why an attached file came without its bytes."""

    TOO_LARGE = "too_large"  # over MAX_ATTACHMENT_BYTES: not downloaded
    NOT_READABLE = "not_readable"  # not a kind of file the bot reads: not downloaded
    UNAVAILABLE = "unavailable"  # the platform would not give it (an error, a timeout)


@dataclass(frozen=True)
class Attachment:
    """A file someone sent with a message: its name and size as the platform says, and its
    bytes when the adapter downloaded it (`data`), else why not (`missing`).

    Adapters download only what `attachment_problem` allows, before the core opens its
    transaction, so no handler waits for a download while it holds the write turn.
    """

    name: str
    size: int | None
    data: bytes | None = None
    missing: AttachmentMissing | None = None

    def __post_init__(self) -> None:
        if self.data is not None and len(self.data) > MAX_ATTACHMENT_BYTES:
            object.__setattr__(self, "data", None)
            object.__setattr__(self, "missing", AttachmentMissing.TOO_LARGE)
        elif self.data is None and self.missing is None:
            object.__setattr__(self, "missing", AttachmentMissing.UNAVAILABLE)


def attachment_problem(name: str, size: int | None) -> AttachmentMissing | None:
    """Why a file should not be downloaded at all (too large, not a kind the bot reads),
    judged on what the platform says before the download; None if it may be."""
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        return AttachmentMissing.TOO_LARGE
    if not name.lower().endswith(READABLE_EXTENSIONS):
        return AttachmentMissing.NOT_READABLE
    return None


@dataclass(frozen=True)
class Incoming:
    """A message, a button press or a chat event from one person in one chat."""

    platform: Platform
    sender_id: str
    sender_name: str
    chat_id: str
    chat_kind: ChatKind
    text: str = ""
    payload: str | None = None
    event_id: str | None = None
    # A zone the platform already knows for the sender (Slack's users.info tz).
    sender_zone: str | None = None
    # Answers of a submitted form (Slack modal), by field name; `payload` is the form's id.
    form_values: dict[str, str] | None = None
    # Set for a chat event (the bot joined a group), which has no text and no payload.
    chat_event: ChatEvent | None = None
    # time.monotonic() when the platform's request arrived, if the adapter queued it
    # before handing it over: that wait counts against the time it may wait to be applied.
    received: float | None = None
    # A file sent with the message (its caption, if any, is `text`).
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Button:
    """A button under a reply; pressing it sends `payload` back (see `core.buttons`)."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", plain(self.label))  # labels are plain text
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload too long: {self.payload!r}")


@dataclass(frozen=True)
class Image:
    """A picture sent with a reply (the dashboard's heat map)."""

    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class File:
    """A file sent with a reply (a CSV export, the calendar)."""

    filename: str
    data: bytes
    mime_type: str
    caption: str = ""


class FieldKind(StrEnum):
    """What a form field asks for: a line, a paragraph or one of some choices."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"


@dataclass(frozen=True)
class FormField:
    """One question of a form. Choices are (value, label) pairs."""

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    max_length: int = 500

    def __post_init__(self) -> None:
        # Labels and choices are plain text on every platform (modals, buttons).
        object.__setattr__(self, "label", plain(self.label))
        choices = tuple((value, plain(label)) for value, label in self.choices)
        object.__setattr__(self, "choices", choices)


@dataclass(frozen=True)
class Form:
    """A small form: a modal where the platform has one, else a guided exchange.

    `submit` is the payload prefix the answers come back with, e.g. "fs:12";
    the answers arrive as `Incoming.form_values`.

    An *offer* (`offer=True`, one question) is no form to fill in: where the
    core can wait for the sender's next message in their private chat, on any
    platform, it adds the question (the field's label) to the reply's text and
    takes that message as the answer (a note after a status change); elsewhere
    it drops the offer, question and all. It lapses without a word when the
    sender does something else.
    """

    title: str
    submit: str
    fields: tuple[FormField, ...]
    offer: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", plain(self.title))  # a modal's title is plain text
        if len(self.submit.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"form submit id too long: {self.submit!r}")


@dataclass(frozen=True)
class Here:
    """The chat the incoming message came from."""


@dataclass(frozen=True)
class Direct:
    """A private message to one account on one platform."""

    platform: Platform
    user_id: str


@dataclass(frozen=True)
class Group:
    """A group chat (Slack channel, Telegram group, console room)."""

    platform: Platform
    chat_id: str


Destination = Here | Direct | Group


@dataclass(frozen=True)
class Reply:
    """What the bot says: text, and optionally buttons, a picture, a file or a form."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    to: Destination = field(default_factory=Here)
    image: Image | None = None
    file: File | None = None
    form: Form | None = None
    # Only the asker should see it, where the platform can do that (Slack).
    ephemeral: bool = False
    # A stable name for a message that later replies update (a live poll tally):
    # where the platform can edit, a reply with the same key in the same chat
    # edits the earlier message instead of posting a new one.
    key: str | None = None
    # Platform user ids to mention (notify) in a group message.
    mentions: tuple[str, ...] = ()


class Messenger(Protocol):
    """Sends replies that nobody asked for (reminders, announcements) on one platform."""

    @property
    def platform(self) -> Platform:
        """The platform this messenger sends on."""
        ...

    async def send(self, reply: Reply, gate: Gate = open_gate) -> SendOutcome:
        """Deliver `reply` to its `Direct` or `Group` destination.

        `await gate()` right before the first request leaves, after any rate-limit
        wait: from then on a failure may mean the message arrived. If the gate
        raises (`NotSending`), send nothing and let the exception through.
        """
        ...


def button_rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out in rows of `per_row`."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
