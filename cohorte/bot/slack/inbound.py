"""What Slack sends, read into our terms: where it happened, who sent it, what they wrote.

The parsers take bolt's request bodies (slash commands, interactions, events)
exactly as Slack sends them and never trust their shape: a missing field
gives `None`, and the caller ignores the request. Before that, `SigningKey`
tells whether Slack sent a request at all, and `replay_key` lets the core
count a replayed command, button press or modal submission once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from cohorte.bot.slack.web import ChannelPacer
from cohorte.handlers.core.errors import one_line
from cohorte.handlers.core.messages import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    AttachmentMissing,
    ChatKind,
    attachment_problem,
)
from cohorte.handlers.core.router import Router
from cohorte.handlers.lang import zones

logger = logging.getLogger(__name__)

# Where Slack posts commands, interactions and events in HTTP mode.
EVENTS_PATH = "/slack/events"
HELP_COMMAND = "/ayuda"
_ID = re.compile(r"^[A-Z0-9]{2,32}$")
# Slack's markup in message text: <@U123>, <#C123|general>, <https://x|label>, <!here>.
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
# Slack refuses to count on a signature older (or newer) than five minutes; so do we.
SIGNATURE_MAX_AGE = 300
# Unix seconds, as Slack writes them: digits only (int() would also take " 12", "+1_2").
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SigningKey:
    """Slack's request signing: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`.

    Checked on the raw body before anything parses it, so that an unsigned
    request never reaches bolt (whose body parser runs before its own check).
    """

    def __init__(self, secret: str, now: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode()
        self._now = now

    def problem(self, body: bytes, timestamp: str | None, signature: str | None) -> str | None:
        """None if Slack signed this body less than five minutes ago; otherwise, why not."""
        if not timestamp or not _TIMESTAMP.fullmatch(timestamp):
            return "no valid timestamp"
        if abs(self._now() - int(timestamp)) > SIGNATURE_MAX_AGE:
            return "stale timestamp"
        if not signature:
            return "no signature"
        signed = b"v0:" + timestamp.encode() + b":" + body
        expected = b"v0=" + hmac.new(self._secret, signed, hashlib.sha256).hexdigest().encode()
        # Header values may carry any bytes; compare_digest wants bytes for those.
        if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
            return "wrong signature"
        return None


def replay_key(kind: str, body: Mapping[str, Any]) -> str:
    """The inbound dedupe key of a slash command (`cmd`), button press (`act`) or modal (`view`).

    Slack gives these no event id, and a captured signed request stays valid
    for five minutes. Slack makes `trigger_id` unique per invocation, so a
    replay (or a Socket Mode redelivery: the same payload) has the same key.
    Without a trigger, the whole payload identifies it (a button press carries
    its `action_ts`). Hashed: the key fits the inbound table's 128 characters,
    and the prefix keeps it apart from Slack's event ids (`Ev…`).
    """
    trigger = _str(body.get("trigger_id"))
    material = (
        f"trigger:{trigger}"
        if trigger is not None
        else "payload:" + json.dumps(body, sort_keys=True, ensure_ascii=True, default=str)
    )
    # surrogatepass: JSON escapes can smuggle lone surrogates into a str.
    digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:{digest}"


def valid_id(value: object) -> str | None:
    """A Slack id (user, channel, team) or None: ids are short upper-case words."""
    return value if isinstance(value, str) and _ID.match(value) else None


def chat_kind_of(channel_id: str) -> ChatKind:
    """Slack's direct-message conversations have ids starting with 'D'."""
    return ChatKind.PRIVATE if channel_id.startswith("D") else ChatKind.GROUP


@dataclass
class Origin:
    """Where an interaction happened and how the answer can get back there."""

    user_id: str
    channel_id: str | None  # None for the App Home tab and modals opened there
    chat_kind: ChatKind
    response_url: str | None = None
    trigger_id: str | None = None
    thread_ts: str | None = None
    from_home: bool = False
    # The command that was run, so that a form can be reopened with a trigger.
    command_text: str = ""
    # response_url accepts five answers; after that we post through the Web API.
    responses_left: int = field(default=5)
    # Told the asker once that the app should be invited to this channel.
    invite_hint_sent: bool = False


def plain_text(text: str) -> str:
    """Slack message text as the person typed it: links and channels unwrapped, unescaped."""

    def unwrap(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "!")):
            return match.group(0)  # a mention stays a mention
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        return target

    text = _MARKUP.sub(unwrap, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def subcommand_text(text: str) -> str:
    """`/cohorte zona Bogotá` arrives as 'zona Bogotá' and becomes '/zona Bogotá'."""
    text = plain_text(text).strip()
    if not text:
        return HELP_COMMAND
    return text if text.startswith("/") else f"/{text}"


def message_text(text: str, router: Router) -> str:
    """A direct message: 'ayuda' and '/ayuda' are both commands; other text stays as it is."""
    text = plain_text(text).strip()
    if not text:
        return HELP_COMMAND
    if text.startswith("/"):
        return text
    first = text.split(maxsplit=1)[0]
    return f"/{text}" if router.find_command(first) is not None else text


def mention_text(text: str, bot_user_id: str | None) -> str:
    """'@Cohorte zona Bogotá' is the command '/zona Bogotá'; a bare mention asks for help."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return subcommand_text(text)


def command_origin(body: dict[str, Any]) -> tuple[Origin, str] | None:
    """A `/cohorte …` slash command: where, and the text as a command."""
    user, channel = valid_id(body.get("user_id")), valid_id(body.get("channel_id"))
    if user is None or channel is None:
        return None
    text = subcommand_text(str(body.get("text") or ""))
    origin = Origin(
        user_id=user,
        channel_id=channel,
        chat_kind=chat_kind_of(channel),
        response_url=_url(body.get("response_url")),
        trigger_id=_str(body.get("trigger_id")),
        command_text=text,
    )
    return origin, text


def action_origin(body: dict[str, Any]) -> tuple[Origin, dict[str, Any]] | None:
    """A button press (`block_actions`): where, and the pressed action."""
    user = valid_id((body.get("user") or {}).get("id"))
    actions = body.get("actions") or []
    if user is None or not actions or not isinstance(actions[0], dict):
        return None
    container = body.get("container") or {}
    view = body.get("view") or {}
    channel = valid_id((body.get("channel") or {}).get("id")) or valid_id(
        container.get("channel_id")
    )
    from_home = view.get("type") == "home"
    origin = Origin(
        user_id=user,
        channel_id=channel,
        chat_kind=chat_kind_of(channel) if channel else ChatKind.PRIVATE,
        response_url=None if from_home else _url(body.get("response_url")),
        trigger_id=_str(body.get("trigger_id")),
        thread_ts=_str(container.get("thread_ts")),
        from_home=from_home,
    )
    return origin, actions[0]


def event_origin(event: dict[str, Any]) -> Origin | None:
    """An `app_mention` or `message.im` event: who wrote where (threads are kept)."""
    user, channel = valid_id(event.get("user")), valid_id(event.get("channel"))
    if user is None or channel is None:
        return None
    return Origin(
        user_id=user,
        channel_id=channel,
        chat_kind=chat_kind_of(channel),
        thread_ts=_str(event.get("thread_ts")),
    )


# -- files people send ---------------------------------------------------------------

# Slack serves the files people share from here; the bot token goes nowhere else.
FILES_HOST = "files.slack.com"
DOWNLOAD_TIMEOUT = 15.0


def shared_file(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first file of a `message` event with `files` (subtype `file_share`), or None."""
    files = event.get("files")
    if not isinstance(files, list) or not files or not isinstance(files[0], dict):
        return None
    return files[0]


async def download_shared_file(
    file: Mapping[str, Any], token: str, allowed_hosts: frozenset[str]
) -> Attachment:
    """A file shared with the app, downloaded from its `url_private_download` with the
    bot token (scope `files:read`) when our rule allows it (`attachment_problem`); the
    token is only ever sent to Slack's file host (or the configured API's, in tests)."""
    name = str(file.get("name") or "archivo")[:200]
    size = file.get("size")
    size = size if type(size) is int and size >= 0 else None
    problem = attachment_problem(name, size)
    if problem is not None or size is None:
        return Attachment(name, size, None, problem or AttachmentMissing.TOO_LARGE)
    url = _url(file.get("url_private_download")) or _url(file.get("url_private"))
    where = urlsplit(url or "")
    if (
        url is None
        or where.hostname not in allowed_hosts
        # The token never travels in the clear to Slack (plain http only to a test's fake).
        or (where.hostname == FILES_HOST and where.scheme != "https")
    ):
        logger.warning("Slack file %r has no download URL on a Slack host", file.get("id"))
        return Attachment(name, size, None, AttachmentMissing.UNAVAILABLE)
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as client,
            client.get(
                url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False
            ) as response,
        ):
            if response.status != 200:
                raise aiohttp.ClientError(f"HTTP {response.status}")
            data = b""
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > MAX_ATTACHMENT_BYTES:  # bigger than Slack said: not kept
                    break
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("could not download a Slack file: %s", one_line(error))
        return Attachment(name, size, None, AttachmentMissing.UNAVAILABLE)
    return Attachment(name, size, data)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


# -- people ---------------------------------------------------------------------


@dataclass(frozen=True)
class SlackUser:
    name: str
    zone: str | None


class Directory:
    """Names, time zones and direct-message channels of Slack users, cached per process."""

    def __init__(self, client: AsyncWebClient, tier3: ChannelPacer | None = None) -> None:
        self.client = client
        self.tier3 = tier3
        self._users: dict[str, SlackUser] = {}
        self._dms: dict[str, str] = {}

    async def user(self, user_id: str, fallback_name: str = "") -> SlackUser:
        """`users.info`: display name and the `tz` Slack knows (a failure is not fatal)."""
        cached = self._users.get(user_id)
        if cached is not None:
            return cached
        try:
            response = await self.client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            logger.warning("users.info failed for %s: %s", user_id, error)
            return SlackUser(fallback_name or user_id, None)
        data = response.get("user") or {}
        profile = data.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or data.get("real_name")
            or data.get("name")
            or fallback_name
            or user_id
        )
        tz = data.get("tz")
        zone = zones.canonical_zone(tz) if isinstance(tz, str) and tz else None
        user = SlackUser(str(name)[:120], zone)
        self._users[user_id] = user
        return user

    async def dm_channel(self, user_id: str) -> str:
        """The app's direct-message conversation with a user (`conversations.open`)."""
        channel = self._dms.get(user_id)
        if channel is None:
            if self.tier3 is not None:
                await self.tier3.wait("conversations.open")
            response = await self.client.conversations_open(users=user_id)
            channel = str((response.get("channel") or {})["id"])
            self._dms[user_id] = channel
        return channel
