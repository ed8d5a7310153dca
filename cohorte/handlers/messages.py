"""The neutral message model: what adapters hand to the core and get back.

Adapters turn a platform event into an `Incoming`; handlers answer with
`Reply` objects that adapters render natively (inline keyboards / Block Kit,
photos / file uploads, ...). Nothing here knows any platform library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cohorte.storage.models import Platform

# Telegram limits callback data to 64 bytes; every payload must fit.
MAX_PAYLOAD_BYTES = 64


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class Incoming:
    """A message or a button press from one person in one chat."""

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


@dataclass(frozen=True)
class Button:
    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload too long: {self.payload!r}")


@dataclass(frozen=True)
class Image:
    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class File:
    filename: str
    data: bytes
    mime_type: str
    caption: str = ""


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
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    to: Destination = field(default_factory=Here)
    image: Image | None = None
    file: File | None = None
    # Only the asker should see it, where the platform can do that (Slack).
    ephemeral: bool = False


def button_rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out in rows of `per_row`."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
