"""Putting replies into Slack: messages, ephemeral notes, edits of keyed messages, files.

`SlackPoster` does the calls (paced per channel) and raises what slack-sdk
raises; whether a keyed reply edits or posts is the core's rule
(`KeyedMessages`), given Slack's `chat.update` and `chat.postMessage`.
`SlackMessenger` is the `Messenger` the scheduler uses and turns those
failures into `SendOutcome`s.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from cohorte.bot.slack.inbound import Directory, Origin
from cohorte.bot.slack.render import Renderer, SlackMessage
from cohorte.bot.slack.web import (
    ChannelPacer,
    SlackOptions,
    outcome_of,
    slack_error_code,
    webhook_client,
)
from cohorte.handlers.core.keyed import KeyedMessages
from cohorte.handlers.core.messages import Direct, Group, Reply
from cohorte.scheduling.clock import Clock
from cohorte.scheduling.outbox import Gate, NotSending, SendOutcome, open_gate
from cohorte.storage.db import SessionFactory
from cohorte.storage.models import Platform

logger = logging.getLogger(__name__)

# chat.update refusals after which the keyed message is posted anew.
_GONE_MESSAGE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


class SlackPoster:
    """Posts rendered replies into Slack conversations."""

    def __init__(
        self,
        client: AsyncWebClient,
        renderer: Renderer,
        pacer: ChannelPacer,
        sessions: SessionFactory,
        clock: Clock,
        options: SlackOptions,
    ) -> None:
        self.client = client
        self.renderer = renderer
        self.pacer = pacer
        self.options = options
        self.keyed = KeyedMessages(Platform.SLACK, sessions, clock)

    async def to_channel(
        self,
        channel: str,
        reply: Reply,
        *,
        thread_ts: str | None = None,
        posted: list[str] | None = None,
        gate: Gate = open_gate,
    ) -> None:
        """Post the reply (editing its keyed message if there is one), then its image and file.

        `posted` collects the timestamps of what went out, so that a caller can
        tell a failure before anything was sent from one halfway through.
        """
        posted = posted if posted is not None else []
        messages = self.renderer.messages(reply)
        if reply.key and messages:
            if not await self._post_keyed(channel, reply.key, messages[0], thread_ts, gate, posted):
                return  # a newer version of it is on its way
            messages = messages[1:]
        for message in messages:
            posted.append(await self.post(channel, message, thread_ts=thread_ts, gate=gate))
        await self.upload(channel, reply, thread_ts=thread_ts, posted=posted, gate=gate)

    async def post(
        self,
        channel: str,
        message: SlackMessage,
        *,
        thread_ts: str | None = None,
        gate: Gate = open_gate,
    ) -> str:
        await self.pacer.wait(channel)
        await gate()
        response = await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts
        )
        return str(response.get("ts") or "")

    async def ephemeral(
        self, channel: str, user_id: str, reply: Reply, *, thread_ts: str | None = None
    ) -> None:
        """Text and buttons only `user_id` sees (Slack has no ephemeral files)."""
        for message in self.renderer.messages(reply):
            await self.ephemeral_message(channel, user_id, message, thread_ts=thread_ts)

    async def ephemeral_message(
        self, channel: str, user_id: str, message: SlackMessage, *, thread_ts: str | None = None
    ) -> None:
        # Not paced per channel: the one-per-second guidance is for messages everyone
        # sees; a crowd voting at once would otherwise wait a second each for a receipt.
        await self.client.chat_postEphemeral(
            channel=channel,
            user=user_id,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
        )

    async def respond(self, origin: Origin, reply: Reply, *, ephemeral: bool) -> bool:
        """Answer through the interaction's `response_url` (works where the app is not a member).

        False, with nothing sent, when the reply needs more than a response_url
        can do (an edit, a file) or its five uses are spent.
        """
        messages = self.renderer.messages(reply)
        if (
            origin.response_url is None
            or reply.key
            or reply.image
            or reply.file
            or not messages
            or len(messages) > origin.responses_left
        ):
            return False
        return await self.respond_messages(origin, messages, ephemeral=ephemeral)

    async def respond_messages(
        self, origin: Origin, messages: list[SlackMessage], *, ephemeral: bool
    ) -> bool:
        if origin.response_url is None or len(messages) > origin.responses_left:
            return False
        webhook = webhook_client(origin.response_url, self.options, self.client.session)
        for message in messages:
            if origin.channel_id and not ephemeral:  # ephemeral: see `ephemeral_message`
                await self.pacer.wait(origin.channel_id)
            response = await webhook.send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral" if ephemeral else "in_channel",
                replace_original=False,
            )
            origin.responses_left -= 1
            if response.status_code != 200:
                logger.warning(
                    "response_url refused an answer: %s %s", response.status_code, response.body
                )
                return False
        return True

    async def upload(
        self,
        channel: str,
        reply: Reply,
        *,
        thread_ts: str | None = None,
        posted: list[str] | None = None,
        gate: Gate = open_gate,
    ) -> None:
        for attachment in (reply.image, reply.file):
            if attachment is None:
                continue
            await self.pacer.wait(channel)
            await gate()
            caption = self.renderer.caption(attachment.caption)
            response = await self.client.files_upload_v2(
                channel=channel,
                file=attachment.data,
                filename=attachment.filename,
                title=attachment.filename,
                thread_ts=thread_ts,
                initial_comment=caption,
            )
            if posted is not None:
                posted.append(str((response.get("file") or {}).get("id") or ""))

    async def _post_keyed(
        self,
        channel: str,
        key: str,
        message: SlackMessage,
        thread_ts: str | None,
        gate: Gate,
        posted: list[str],
    ) -> bool:
        """The keyed message, edited or posted (`KeyedMessages`); False if it was skipped
        for a newer version."""

        async def edit(ts: str) -> bool:
            await self.pacer.wait(channel)
            await gate()
            try:
                await self.client.chat_update(
                    channel=channel, ts=ts, text=message.text, blocks=message.blocks
                )
            except SlackApiError as error:
                if slack_error_code(error) not in _GONE_MESSAGE:
                    raise
                return False
            posted.append(ts)
            return True

        async def post() -> str:
            ts = await self.post(channel, message, thread_ts=thread_ts, gate=gate)
            posted.append(ts)
            return ts

        return await self.keyed.send(channel, key, post=post, edit=edit)


class SlackMessenger:
    """Sends replies nobody asked for (reminders, announcements) to Slack people and channels."""

    platform = Platform.SLACK

    def __init__(self, poster: SlackPoster, directory: Directory) -> None:
        self.poster = poster
        self.directory = directory

    async def send(self, reply: Reply, gate: Gate = open_gate) -> SendOutcome:
        posted: list[str] = []
        try:
            match reply.to:
                case Direct(platform=Platform.SLACK, user_id=user_id):
                    channel = await self.directory.dm_channel(user_id)
                case Group(platform=Platform.SLACK, chat_id=chat_id):
                    channel = chat_id
                case _:
                    logger.warning("Slack cannot deliver to %s", reply.to)
                    return SendOutcome.UNREACHABLE
            await self.poster.to_channel(
                channel, replace(reply, ephemeral=False), posted=posted, gate=gate
            )
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
            outcome = outcome_of(error)
            logger.warning(
                "sending to Slack %s failed (%s): %s %s",
                reply.to,
                outcome,
                type(error).__name__,
                error,
            )
            if posted:
                # Part of it is already in the chat: sending it again would repeat that part.
                return SendOutcome.AMBIGUOUS
            return outcome
        except NotSending:
            raise  # nothing left: the outbox decides
        except Exception:
            # A bug of ours: we cannot tell what reached Slack, so it is not sent again.
            logger.exception("unexpected failure sending to Slack %s", reply.to)
            return SendOutcome.AMBIGUOUS
        return SendOutcome.SENT
